import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Bus, type EventContract, type EventData, silentLogger } from '@demo/bus';
import { streams, UserCreated } from '@demo/contracts';
import {
  eventually,
  type ServiceProcess,
  serviceMongoEnv,
  startService,
  startTestNats,
  type TestNats,
  testServers,
  uniqueName,
} from '@demo/infra';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { type Db, MongoClient } from 'mongodb';
import type { OrderDocument } from '../src/db/schema.js';
import { orderService } from '../src/service.js';

/** What one suite runs against: its own nats-server, its own MongoDB database, the service. */
export interface Suite {
  nats: TestNats;
  /** A test-side bus: publishes what the service consumes, reads what it publishes. */
  bus: Bus;
  mongo: MongoClient;
  db: Db;
  service: ServiceProcess;
  /** Starts the service again on the same servers and database (after a crash or a stop). */
  restart(extraEnv?: Record<string, string>): Promise<ServiceProcess>;
  close(): Promise<void>;
}

/**
 * The suite's servers with NATS authorization on (deploy/nats/auth.conf): the service connects
 * as its own user `order-service`, the test side as the provisioner, which created the streams.
 */
export async function startSuite(extraEnv: Record<string, string> = {}): Promise<Suite> {
  const nats = await startTestNats({ authorization: true });
  const own = nats.credentials['order-service'];
  const admin = nats.credentials.provisioner;
  if (own === undefined || admin === undefined) throw new Error('the test NATS has no order-service user');
  const database = uniqueName('orders');
  const { mongoUrl } = testServers();
  const env = {
    NATS_URL: nats.url,
    NATS_USER: own.user,
    NATS_PASSWORD: own.pass,
    // The service's own MongoDB user where the server has one (FerretDB on PostgreSQL).
    ...serviceMongoEnv('order-service'),
    MONGODB_DATABASE: database,
  };
  const mongo = await new MongoClient(mongoUrl).connect();
  const bus = await Bus.connect({
    name: 'order-service-test',
    servers: nats.url,
    user: admin.user,
    pass: admin.pass,
    logger: silentLogger,
  });
  await bus.provision(streams);
  const suite: Suite = {
    nats,
    bus,
    mongo,
    db: mongo.db(database),
    service: await startService({ name: 'order-service', env: { ...env, ...extraEnv } }),
    restart: async (more = {}) => {
      suite.service = await startService({ name: 'order-service', env: { ...env, ...more } });
      return suite.service;
    },
    close: async () => {
      await suite.service.stop();
      await bus.close(1_000);
      await mongo.db(database).dropDatabase();
      await mongo.close();
      await nats.remove();
    },
  };
  return suite;
}

/** Resolves once the process has exited: its exit code, or the signal that ended it. */
export async function exitOf(
  service: ServiceProcess,
): Promise<{ code: number | null; signal: string | null }> {
  const { child } = service;
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  return { code: child.exitCode, signal: child.signalCode };
}

// --- HTTP ---------------------------------------------------------------------------------

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

async function answer<T>(response: Response): Promise<Answer<T>> {
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}

export async function get<T = Record<string, unknown>>(suite: Suite, path: string): Promise<Answer<T>> {
  return answer<T>(await fetch(`${suite.service.url}${path}`));
}

/** POSTs `body` as JSON (a string is sent as it is). */
export async function post<T = Record<string, unknown>>(
  suite: Suite,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const response = await fetch(`${suite.service.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return answer<T>(response);
}

/** The order as the API answers it. */
/** An application/problem+json answer (RFC 9457) as the service gives it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** The failing fields of a validation error. */
  errors?: Array<{ path: string; message: string }>;
  /** The largest total an order may have (a 422 for a total inventory could not record). */
  maxTotal?: string;
}

export interface OrderJson {
  id: string;
  userId: string;
  items: Array<{ sku: string; quantity: number }>;
  status: string;
  reason?: string;
  total?: number;
  createdAt: string;
  updatedAt: string;
}

// --- events -------------------------------------------------------------------------------

/** The service's durable consumer of `event`, as its declaration names it. */
export const durableOf = (event: EventContract) => orderService.durableOf(event);

/** Publishes an event through the bus and waits until the service has acknowledged it. */
export async function deliver<E extends EventContract>(
  suite: Suite,
  event: E,
  data: EventData<E>,
): Promise<void> {
  const ack = await suite.bus.publish(event, data);
  await processed(suite, event, ack.seq);
}

/**
 * Publishes an event raw, with `eventId` as its `ce-id` and no `Nats-Msg-Id`: published twice
 * with the same id, JetStream keeps both and the handler sees the second as a redelivery of
 * the first. Answers the stream sequence (for `processed`).
 */
export async function publishRaw(
  suite: Suite,
  event: EventContract,
  data: unknown,
  eventId: string,
): Promise<number> {
  const h = natsHeaders();
  h.set('ce-id', eventId);
  h.set('ce-type', event.type);
  h.set('content-type', 'application/json');
  const ack = await jetstream(suite.bus.nc).publish(event.subject, JSON.stringify(data), { headers: h });
  return ack.seq;
}

/** Waits until the service's consumer of `event` has acknowledged everything up to `seq`. */
export async function processed(
  suite: Suite,
  event: EventContract,
  seq: number,
  timeoutMs = 15_000,
): Promise<void> {
  const jsm = await jetstreamManager(suite.bus.nc);
  const stream = await jsm.streams.find(event.subject);
  await eventually(
    `${durableOf(event)} to acknowledge stream sequence ${seq}`,
    async () => {
      const info = await jsm.consumers.info(stream, durableOf(event));
      return { ackFloor: info.ack_floor.stream_seq, ackPending: info.num_ack_pending };
    },
    (state) => state.ackFloor >= seq && state.ackPending === 0,
    timeoutMs,
  );
}

export interface Published {
  seq: number;
  data: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Every message on `subject` in `stream` so far, read with an ordered consumer. */
export async function published(suite: Suite, stream: string, subject: string): Promise<Published[]> {
  const consumer = await jetstream(suite.bus.nc).consumers.get(stream, { filter_subjects: [subject] });
  const out: Published[] = [];
  for (;;) {
    const msg = await consumer.next({ expires: 1_000 });
    if (msg === null) break;
    const headers: Record<string, string> = {};
    for (const key of msg.headers?.keys() ?? []) headers[key] = msg.headers?.get(key) ?? '';
    out.push({ seq: msg.seq, data: msg.json(), headers });
    if (msg.info.pending === 0) break;
  }
  await consumer.delete().catch(() => {});
  return out;
}

/** The `orders.*` events on `subject` about `orderId`. */
export async function publishedFor(suite: Suite, subject: string, orderId: string): Promise<Published[]> {
  return (await published(suite, 'ORDERS', subject)).filter((m) => m.data.orderId === orderId);
}

/** Ids of the events not yet published (the `outbox` collection). */
export async function pendingEventIds(suite: Suite): Promise<string[]> {
  const docs = await suite.db.collection<{ _id: string }>('outbox').find({}).toArray();
  return docs.map((d) => d._id);
}

/** Waits until the relay has published everything written so far: the outbox is empty. */
export async function outboxesDrained(suite: Suite): Promise<void> {
  await eventually(
    'the outbox to be empty',
    () => suite.db.collection('outbox').countDocuments({}),
    (n) => n === 0,
  );
}

// --- data ---------------------------------------------------------------------------------

export function orderDocument(suite: Suite, id: string): Promise<OrderDocument | null> {
  return suite.db.collection<OrderDocument>('orders').findOne({ _id: id });
}

/** A user announced by `users.created` and recorded by the service. */
export async function customer(suite: Suite): Promise<string> {
  const userId = randomUUID();
  await deliver(suite, UserCreated, {
    userId,
    email: `${userId.slice(0, 8)}@example.com`,
    name: 'Ada Lovelace',
    createdAt: new Date().toISOString(),
  });
  return userId;
}

/** A `PENDING` order of `userId`, placed over HTTP. */
export async function placeOrder(
  suite: Suite,
  userId: string,
  items: Array<{ sku: string; quantity: number }> = [{ sku: 'SKU-1', quantity: 1 }],
): Promise<OrderJson> {
  const res = await post<OrderJson>(suite, '/api/orders', { userId, items });
  if (res.status !== 201)
    throw new Error(`POST /api/orders answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export { eventually };
