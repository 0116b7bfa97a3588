import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Bus, CE, type EventContract, type EventData, silentLogger } from '@demo/bus';
import { type OrderCreatedV1Data, streams, streamsFor } from '@demo/contracts';
import {
  createTestDatabase,
  type ServiceProcess,
  serviceMongoEnv,
  startService,
  startTestNats,
  type TestDatabase,
  type TestNats,
  testServers,
  uniqueName,
} from '@demo/infra';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { type Db, MongoClient } from 'mongodb';
import pg from 'pg';
import { inventoryService } from '../src/service.js';

const SERVICE = inventoryService.name;

/** The stream of a subject of the catalog. */
function streamOf(subject: string): string {
  const [found] = streamsFor(subject, streams);
  if (!found) throw new Error(`no stream holds ${subject}`);
  return found.name;
}

/** What the service published on one subject, in stream order. */
export interface Published<T = unknown> {
  id: string;
  seq: number;
  data: T;
  /** W3C `traceparent` the message carries, if any. */
  traceparent?: string;
}

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * One suite's world: its own nats-server, PostgreSQL database and MongoDB database, the service
 * as a real process on them, and test-side clients to publish what it consumes and to read what
 * it published and stored.
 */
export class Harness {
  service!: ServiceProcess;
  bus!: Bus;
  readonly pg: pg.Pool;
  readonly mongo: MongoClient;
  readonly mongoDb: Db;
  private readonly started: ServiceProcess[] = [];

  private constructor(
    readonly nats: TestNats,
    readonly database: TestDatabase,
    readonly mongoDatabase: string,
    private readonly baseEnv: Record<string, string>,
  ) {
    this.pg = new pg.Pool({ connectionString: database.url, max: 4 });
    this.mongo = new MongoClient(testServers().mongoUrl);
    this.mongoDb = this.mongo.db(mongoDatabase);
  }

  static async start(env: Record<string, string> = {}): Promise<Harness> {
    // NATS authorization on (deploy/nats/auth.conf): the service is `inventory-service`, the
    // test side the provisioner, which creates the streams before the service starts.
    const [nats, database] = await Promise.all([
      startTestNats({ authorization: true }),
      createTestDatabase('inventory'),
    ]);
    const own = nats.credentials['inventory-service'];
    const admin = nats.credentials.provisioner;
    const mongoDatabase = uniqueName('inventory');
    const harness = new Harness(nats, database, mongoDatabase, {
      NATS_URL: nats.url,
      NATS_USER: own?.user ?? '',
      NATS_PASSWORD: own?.pass ?? '',
      DATABASE_URL: database.url,
      // The service's own MongoDB user where the server has one (FerretDB on PostgreSQL).
      ...serviceMongoEnv('inventory-service'),
      MONGODB_DATABASE: mongoDatabase,
    });
    try {
      harness.bus = await Bus.connect({
        name: 'inventory-test',
        servers: nats.url,
        user: admin?.user,
        pass: admin?.pass,
        logger: silentLogger,
      });
      await harness.bus.provision(streams);
      await harness.startService(env);
    } catch (error) {
      await harness.close();
      throw error;
    }
    return harness;
  }

  /** Starts a service process with the suite's servers and `env` on top; it becomes `service`. */
  async startService(env: Record<string, string> = {}, options: { readyTimeoutMs?: number } = {}) {
    const service = await startService({ name: SERVICE, env: { ...this.baseEnv, ...env }, ...options });
    this.started.push(service);
    this.service = service;
    return service;
  }

  /** Waits until the process is gone; resolves with its exit code or the signal that ended it. */
  async exited(service: ServiceProcess = this.service): Promise<number | NodeJS.Signals> {
    const { child } = service;
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    return child.exitCode ?? (child.signalCode as NodeJS.Signals);
  }

  async close(): Promise<void> {
    await Promise.all(this.started.map((s) => s.kill().catch(() => {})));
    await this.bus?.close().catch(() => {});
    await this.pg.end().catch(() => {});
    await this.mongoDb.dropDatabase().catch(() => {});
    await this.mongo.close().catch(() => {});
    await this.nats.remove().catch(() => {});
    await this.database.drop().catch(() => {});
  }

  async http<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    init: { headers?: Record<string, string>; raw?: string } = {},
  ): Promise<HttpAnswer<T>> {
    const payload = init.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const response = await fetch(`${this.service.url}${path}`, {
      method,
      headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      body: payload,
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  }

  /** Stocks a SKU over HTTP. */
  async stock(sku: string, quantity: number, unitPrice = 1) {
    const answer = await this.http('POST', '/api/inventory', {
      sku,
      name: `Item ${sku}`,
      quantity,
      unitPrice,
    });
    if (answer.status !== 201)
      throw new Error(`stocking ${sku}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as { id: string; sku: string };
  }

  publish<E extends EventContract>(event: E, data: EventData<E>) {
    return this.bus.publish(event, data);
  }

  /**
   * Publishes raw JSON with a given `ce-id` and no `Nats-Msg-Id`: publishing twice with the same
   * id reaches the handler twice, as a redelivery does.
   */
  async publishRaw(
    subject: string,
    data: unknown,
    eventId: string = randomUUID(),
    extraHeaders: Record<string, string> = {},
  ): Promise<number> {
    const h = natsHeaders();
    for (const [name, value] of Object.entries(extraHeaders)) h.set(name, value);
    h.set(CE.id, eventId);
    h.set(CE.specversion, '1.0');
    h.set(CE.source, '/inventory-test');
    h.set(CE.type, `${subject}.v1`);
    h.set(CE.time, new Date().toISOString());
    h.set('content-type', 'application/json');
    const ack = await jetstream(this.bus.nc).publish(subject, JSON.stringify(data), { headers: h });
    return ack.seq;
  }

  /** Every message the stream holds on `subject`, in order. */
  async published<T = Record<string, unknown>>(subject: string): Promise<Published<T>[]> {
    const stream = streams.find((s) => s.subjects.includes(`${subject.split('.')[0]}.>`));
    if (!stream) throw new Error(`no stream for ${subject}`);
    const jsm = await jetstreamManager(this.bus.nc);
    const info = await jsm.streams.info(stream.name, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    if (count === 0) return [];
    const consumer = await jetstream(this.bus.nc).consumers.get(stream.name, { filter_subjects: [subject] });
    const out: Published<T>[] = [];
    while (out.length < count) {
      const msg = await consumer.next({ expires: 2_000 });
      if (!msg) break;
      const traceparent = msg.headers?.get('traceparent') || undefined;
      out.push({ id: msg.headers?.get(CE.id) ?? '', seq: msg.seq, data: msg.json<T>(), traceparent });
    }
    await consumer.delete().catch(() => {});
    return out;
  }

  /**
   * Waits until the service has nothing left to do: every consumer of it has processed and acked
   * everything in its stream, and the outbox is empty; twice in a row, since a processed message
   * can publish new ones.
   */
  async settled(timeoutMs = 20_000): Promise<void> {
    const jsm = await jetstreamManager(this.bus.nc);
    const idle = async () => {
      const consumers = inventoryService.consumers.map((c) => [streamOf(c.subject), c.durable] as const);
      for (const [stream, durable] of consumers) {
        const info = await jsm.consumers.info(stream, durable);
        if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
      }
      const { rows } = await this.pg.query<{ n: string }>(
        'select count(*) as n from outbox where published_at is null',
      );
      return rows[0]?.n === '0';
    };
    await eventually('the service to settle', async () => (await idle()) && (await idle()), timeoutMs);
  }

  async item(sku: string): Promise<{ available: number; reserved: number } | undefined> {
    const { rows } = await this.pg.query<{ available: number; reserved: number }>(
      'select available, reserved from inventory_items where sku = $1',
      [sku],
    );
    return rows[0];
  }

  async reservation(orderId: string) {
    const { rows } = await this.pg.query<{
      id: string;
      status: string;
      items: Array<{ sku: string; quantity: number; unitPrice?: number }>;
      total: string | null;
      reason: string | null;
    }>('select id, status, items, total, reason from reservations where order_id = $1', [orderId]);
    return rows[0];
  }
}

/** Polls until `probe` returns true (or throws with `what`). */
export async function eventually(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

export function order(
  items: OrderCreatedV1Data['items'],
  orderId: string = randomUUID(),
): OrderCreatedV1Data {
  return { orderId, userId: randomUUID(), items, createdAt: new Date().toISOString() };
}

/** A SKU no other test of the suite uses. */
export function sku(prefix = 'SKU'): string {
  return `${prefix}-${randomUUID().slice(0, 8).toUpperCase()}`;
}
