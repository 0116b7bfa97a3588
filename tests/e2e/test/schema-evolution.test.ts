import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CE, DLQ } from '@demo/bus';
import { OrderCreatedV1, type OrderCreatedV1Data } from '@demo/contracts';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually, Saga, sku } from './saga.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * orders.created v2 across the three services as real processes: the new version end to end,
 * and a v1 dead letter left by the release before, replayed with the project's tool after the
 * upgrade, completing its saga.
 */
describe('orders.created v2 in the saga', () => {
  let saga: Saga;
  beforeAll(async () => {
    saga = await Saga.start();
  });
  afterAll(async () => {
    await saga?.stop();
  });

  it('confirms an order at the unit price quoted to the customer (v2 end to end)', async () => {
    const user = await saga.createUser();
    const s = sku('Q');
    await saga.stock(s, 5, 12);
    const placed = await call<{ id: string }>('POST', `${saga.url('order-service')}/api/orders`, {
      userId: user.body.id,
      items: [{ sku: s, quantity: 2, unitPrice: 10.5 }],
    });
    expect(placed.status).toBe(201);
    const settled = await saga.settled(placed.body.id, 'CONFIRMED');
    expect(settled.body.total).toBe(21);
  });

  it('a v1 dead letter from before the upgrade, replayed after it, completes its saga', async () => {
    const user = await saga.createUser();
    const s = sku('R');
    await saga.stock(s, 5, 4);

    // The release before: its inventory-service is not there to take the order…
    const inventory = saga.services.get('inventory-service')!;
    await inventory.stop();
    const placed = await saga.placeOrder(user.body.id, [{ sku: s, quantity: 3 }]);
    expect(placed.status).toBe(201);

    // …and what that release left behind: the order's orders.created as v1 in DLQ, dead-lettered
    // by inventory-service v1 (its database was away longer than its retries), not in the stream.
    const nc = await connect({ servers: saga.nats.url });
    try {
      const js = jetstream(nc);
      const jsm = await jetstreamManager(nc);
      const consumer = await js.consumers.get('ORDERS', { filter_subjects: ['orders.created'] });
      let original: { seq: number; data: { orderId: string; userId: string; createdAt: string } } | undefined;
      await eventually(
        'the order in the ORDERS stream',
        async () => {
          const msg = await consumer.next({ expires: 1_000 });
          const data = msg?.json<{ orderId: string; userId: string; createdAt: string }>();
          if (msg && data?.orderId === placed.body.id) original = { seq: msg.seq, data };
          return original;
        },
        (found) => found !== undefined,
      );
      await jsm.streams.deleteMessage('ORDERS', original!.seq);
      const v1: OrderCreatedV1Data = {
        orderId: original!.data.orderId,
        userId: original!.data.userId,
        items: [{ sku: s, quantity: 3 }],
        createdAt: original!.data.createdAt,
      };
      expect(OrderCreatedV1.strictSchema.safeParse(v1).success).toBe(true);
      const dead = natsHeaders();
      dead.set(CE.specversion, '1.0');
      dead.set(CE.id, crypto.randomUUID());
      dead.set(CE.source, '/order-service');
      dead.set(CE.type, OrderCreatedV1.type);
      dead.set(CE.time, v1.createdAt);
      dead.set('content-type', 'application/json');
      dead.set(DLQ.reason, 'transient_exhausted');
      dead.set(DLQ.error, 'connect ECONNREFUSED 127.0.0.1:5432');
      dead.set(DLQ.deliveryCount, '12');
      dead.set(DLQ.consumer, 'inventory-service--orders-created');
      dead.set(DLQ.subject, 'orders.created');
      dead.set(DLQ.stream, 'ORDERS');
      dead.set(DLQ.streamSequence, String(original!.seq));
      const { seq } = await js.publish('dlq.orders.created', JSON.stringify(v1), { headers: dead });

      // The upgrade: inventory-service on v2 starts; the order waits, its message is in DLQ.
      await saga.start('inventory-service', {}, inventory.port);
      expect((await saga.order(placed.body.id)).body.status).toBe('PENDING');

      // The replay, with the project's dead-letter tool.
      const replay = await promisify(execFile)(
        'npm',
        ['run', '--silent', 'bus', '--', 'dlq', 'replay', String(seq)],
        {
          cwd: repoRoot,
          env: { ...process.env, NATS_URL: saga.nats.url, OTEL_SDK_DISABLED: 'true' },
        },
      );
      expect(replay.stdout).toMatch(/replay/i);

      // Upcast to v2 (no quoted price: the catalogue's), reserved, confirmed, counted for the user.
      const settled = await saga.settled(placed.body.id, 'CONFIRMED');
      expect(settled.body.total).toBe(12);
      await eventually(
        "the user's order count",
        async () => (await saga.user(user.body.id)).body.orderCount,
        (n) => n === 1,
      );
    } finally {
      await nc.close();
    }
  });
});
