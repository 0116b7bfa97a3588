import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot } from '@demo/infra';
import { type JsMsg, jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, Saga, sku } from './saga.js';

const run = promisify(execFile);

/** `npm run bus -- …` against the saga's NATS server, as a process. */
async function busCli(natsUrl: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@demo/source',
      '--import',
      '@demo/telemetry/register',
      'packages/bus/src/cli/main.ts',
      ...args,
    ],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        NATS_URL: natsUrl,
        OTEL_SERVICE_NAME: 'bus-cli',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      },
    },
  );
  return stdout;
}

async function deadLetters(nc: NatsConnection): Promise<JsMsg[]> {
  const consumer = await jetstream(nc).consumers.get('DLQ');
  const out: JsMsg[] = [];
  for (;;) {
    const msg = await consumer.next({ expires: 1_000 });
    if (!msg) return out;
    out.push(msg);
  }
}

describe('no order waits forever; a replayed dead letter completes its saga', () => {
  let saga: Saga;
  let nc: NatsConnection;
  let inventoryDb: pg.Pool;

  beforeAll(async () => {
    saga = await Saga.start({
      'order-service': { ORDER_SAGA_DEADLINE_MS: '30000', ORDER_SAGA_SWEEP_MS: '500' },
    });
    nc = await connect({ servers: saga.nats.url });
    inventoryDb = new pg.Pool({ connectionString: saga.databases[1]!.url, max: 1 });
  });
  afterAll(async () => {
    await inventoryDb?.end();
    await nc?.close();
    await saga?.stop();
  });

  it('dead-lettered orders.created: replayed once fixed → CONFIRMED (twice: no change); left alone → REJECTED deadline_exceeded, nothing reserved', async () => {
    const user = await saga.createUser();
    const s = sku('D');
    const item = await saga.stock(s, 10);
    const first = await eventually(
      'order accepted',
      () => saga.placeOrder(user.body.id, [{ sku: s, quantity: 2 }]),
      (r) => r.status === 201,
    );
    await saga.settled(first.body.id, 'CONFIRMED');

    // A fault that persists: inventory's reservations table is away, so orders.created fails 5 times.
    await inventoryDb.query('alter table reservations rename to reservations_away');
    const fixed = await saga.placeOrder(user.body.id, [{ sku: s, quantity: 3 }]);
    const abandoned = await saga.placeOrder(user.body.id, [{ sku: s, quantity: 1 }]);
    expect([fixed.status, abandoned.status]).toEqual([201, 201]);
    const dead = await eventually(
      'both orders.created dead-lettered',
      () => deadLetters(nc),
      (d) => d.length === 2,
      45_000,
    );
    const seqOf = (orderId: string) => {
      const letter = dead.find((d) => (d.json() as { orderId: string }).orderId === orderId);
      expect(letter?.headers?.get('dlq-reason')).toBe('handler_failed');
      expect(letter?.headers?.get('dlq-consumer')).toBe('inventory-service--orders-created');
      // The database's own error, on one header line (a handler error with line breaks, which
      // once crashed the service, is escaped: packages/bus/test/poison.test.ts).
      expect(letter?.headers?.get('dlq-error')).toMatch(/relation "reservations" does not exist/);
      expect(letter?.headers?.get('dlq-error')).not.toMatch(/[\r\n]/);
      return String(letter?.seq);
    };
    await inventoryDb.query('alter table reservations_away rename to reservations');
    expect((await saga.order(fixed.body.id)).body.status).toBe('PENDING');

    // The cause is fixed: the replay completes the saga; a second replay changes nothing.
    expect(await busCli(saga.nats.url, 'dlq', 'replay', seqOf(fixed.body.id))).toMatch(/stream sequence/);
    expect((await saga.settled(fixed.body.id, 'CONFIRMED')).body.total).toBeGreaterThan(0);
    expect(await busCli(saga.nats.url, 'dlq', 'replay', seqOf(fixed.body.id))).toMatch(/duplicate/);

    // The other one is never answered: its deadline rejects it, with the reason.
    const rejected = await saga.settled(abandoned.body.id, 'REJECTED', 60_000);
    expect(rejected.body.reason).toBe('deadline_exceeded');
    await eventually(
      'the user counts the rejection',
      () => saga.user(user.body.id),
      (u) => u.body.rejectedOrderCount === 1 && u.body.orderCount === 2,
    );
    // Replayed after its deadline: inventory had been told to release it, so nothing is reserved.
    await busCli(saga.nats.url, 'dlq', 'replay', seqOf(abandoned.body.id));
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await saga.order(abandoned.body.id)).body.status).toBe('REJECTED');
    const stock = await saga.item(item.body.id);
    expect(stock.body).toMatchObject({ available: 5, reserved: 5 });
  });
});
