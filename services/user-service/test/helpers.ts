import { randomBytes, randomUUID } from 'node:crypto';
import { Bus, CE, type EventContract, silentLogger } from '@demo/bus';
import { streams } from '@demo/contracts';
import {
  createTestDatabase,
  eventually,
  type ServiceProcess,
  startService,
  startTestNats,
  type TestDatabase,
  type TestNats,
} from '@demo/infra';
import { jetstream, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import pg from 'pg';

/** One suite's own servers: a nats-server, a PostgreSQL database, and a test-side bus and pool. */
export interface Suite {
  nats: TestNats;
  database: TestDatabase;
  bus: Bus;
  pool: pg.Pool;
  env: Record<string, string>;
  start(extraEnv?: Record<string, string>, port?: number): Promise<ServiceProcess>;
  close(): Promise<void>;
}

/**
 * NATS authorization is on (deploy/nats/auth.conf): the service connects as its own user
 * `user-service`; the test side is the provisioner, which creates the streams first.
 */
export async function createSuite(): Promise<Suite> {
  const nats = await startTestNats({ authorization: true });
  const own = nats.credentials['user-service'];
  const admin = nats.credentials.provisioner;
  if (own === undefined || admin === undefined) throw new Error('the test NATS has no user-service user');
  const database = await createTestDatabase('user_service');
  const bus = await Bus.connect({
    name: 'user-service-test',
    servers: nats.url,
    user: admin.user,
    pass: admin.pass,
    logger: silentLogger,
  });
  await bus.provision(streams);
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  const env = {
    DATABASE_URL: database.url,
    NATS_URL: nats.url,
    NATS_USER: own.user,
    NATS_PASSWORD: own.pass,
  };
  const started: ServiceProcess[] = [];
  return {
    nats,
    database,
    bus,
    pool,
    env,
    start: async (extraEnv = {}, port) => {
      const service = await startService({ name: 'user-service', env: { ...env, ...extraEnv }, port });
      started.push(service);
      return service;
    },
    close: async () => {
      await Promise.all(started.map((s) => s.kill()));
      await bus.close();
      await pool.end();
      await database.drop();
      await nats.remove();
    },
  };
}

/** Polls `read` until `done` holds; fails with the last value after `timeoutMs`. */
export { eventually };

/** Every message a stream holds now, oldest first. */
export async function streamMessages(bus: Bus, stream: string): Promise<StoredMsg[]> {
  const jsm = await jetstreamManager(bus.nc);
  const { state } = await jsm.streams.info(stream);
  const messages: StoredMsg[] = [];
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq += 1) {
    const message = await jsm.streams.getMessage(stream, { seq });
    if (message) messages.push(message);
  }
  return messages;
}

/** Messages of one subject in its stream whose data matches `where`. */
export async function published(
  bus: Bus,
  stream: string,
  subject: string,
  where: (data: Record<string, unknown>) => boolean = () => true,
): Promise<StoredMsg[]> {
  const all = await streamMessages(bus, stream);
  return all.filter((m) => m.subject === subject && where(m.json<Record<string, unknown>>()));
}

/**
 * Publishes an event as a producer's relay would, but without `Nats-Msg-Id`: published twice with
 * the same id, both copies reach the consumer, exactly as a redelivery looks to its handler.
 */
export async function publishRaw(
  bus: Bus,
  event: EventContract,
  data: unknown,
  options: { id: string; time?: Date },
): Promise<number> {
  const h = natsHeaders();
  h.set(CE.specversion, '1.0');
  h.set(CE.id, options.id);
  h.set(CE.source, '/order-service');
  h.set(CE.type, event.type);
  h.set(CE.time, (options.time ?? new Date()).toISOString());
  h.set('content-type', 'application/json');
  const ack = await jetstream(bus.nc).publish(event.subject, JSON.stringify(data), { headers: h });
  return ack.seq;
}

/**
 * Waits until a durable consumer has acknowledged every message of its subject that the stream
 * holds now (call it after the publishes' JetStream acks). A handler acks after its commit.
 */
export async function waitAcked(bus: Bus, stream: string, durable: string): Promise<void> {
  const jsm = await jetstreamManager(bus.nc);
  await eventually(
    `${durable} to acknowledge everything`,
    () => jsm.consumers.info(stream, durable),
    (info) => info.num_pending === 0 && info.num_ack_pending === 0,
  );
}

/** A W3C traceparent of a trace of the test's own. */
export function newTraceparent(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small JSON client for the service under test. */
export function client(baseUrl: string) {
  const call = async <T>(
    method: string,
    path: string,
    init: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ): Promise<JsonResponse<T>> => {
    const headers: Record<string, string> = { ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  };
  return {
    call,
    createUser: (json: unknown, headers?: Record<string, string>) =>
      call<UserBody>('POST', '/api/users', { json, headers }),
    getUser: (id: string) => call<UserBody>('GET', `/api/users/${id}`),
  };
}

export interface UserBody {
  id: string;
  email: string;
  name: string;
  orderCount: number;
  rejectedOrderCount: number;
  lastOrderAt: string | null;
  createdAt: string;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.com`;
}
