import { randomUUID } from 'node:crypto';
import {
  InventoryRejected,
  type InventoryRejectedData,
  InventoryReserved,
  type InventoryReservedData,
  OrderCreatedV1,
  type OrderCreatedV1Data,
  UserCreated,
  type UserCreatedData,
  UserDeleted,
} from '@demo/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  customer,
  deliver,
  eventually,
  get,
  type OrderJson,
  orderDocument,
  outboxesDrained,
  pendingEventIds,
  placeOrder,
  post,
  processed,
  published,
  publishedFor,
  publishRaw,
  type Suite,
  startSuite,
} from './helpers.js';

function reserved(order: OrderJson, total: number): InventoryReservedData {
  return {
    orderId: order.id,
    reservationId: randomUUID(),
    items: order.items.map((item) => ({ ...item, unitPrice: 5 })),
    total,
  };
}

function rejected(order: OrderJson): InventoryRejectedData {
  return {
    orderId: order.id,
    reason: 'insufficient_stock',
    items: order.items.map((item) => ({ ...item, available: 0 })),
  };
}

/** Waits for the first `subject` event about `orderId`, then answers all of them. */
function firstPublished(suite: Suite, subject: string, orderId: string) {
  return eventually(
    `${subject} for ${orderId}`,
    () => publishedFor(suite, subject, orderId),
    (found) => found.length > 0,
  );
}

describe('order-service events', () => {
  let suite: Suite;
  const order = async (id: string) => (await get<OrderJson>(suite, `/api/orders/${id}`)).body;

  beforeAll(async () => {
    suite = await startSuite();
  });
  afterAll(async () => {
    await suite?.close();
  });

  describe('outbox', () => {
    it('publishes orders.created in the trace of the request, then drops its outbox entry; the order keeps the event', async () => {
      const userId = await customer(suite);
      const traceId = randomUUID().replaceAll('-', '');
      const res = await post<OrderJson>(
        suite,
        '/api/orders',
        {
          userId,
          items: [
            { sku: 'SKU-1', quantity: 2 },
            { sku: 'SKU-2', quantity: 1, unitPrice: 7.5 },
          ],
        },
        { traceparent: `00-${traceId}-${'ab'.repeat(8)}-01` },
      );
      expect(res.status).toBe(201);

      const [created, ...more] = await firstPublished(suite, 'orders.created', res.body.id);
      expect(more).toEqual([]);
      expect(created?.data).toEqual({
        orderId: res.body.id,
        userId,
        items: [
          { sku: 'SKU-1', quantity: 2, unitPrice: null },
          { sku: 'SKU-2', quantity: 1, unitPrice: 7.5 },
        ],
        currency: 'EUR',
        createdAt: res.body.createdAt,
      });
      expect(created?.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      expect(created?.headers['ce-type']).toBe('orders.created.v2');
      expect(created?.headers['ce-dataschema']).toBe('urn:demo:schema:orders.created:v2');
      expect(created?.headers['ce-id']).toBe(created?.headers['Nats-Msg-Id']);

      await eventually(
        'the outbox entry to be dropped',
        () => pendingEventIds(suite),
        (ids) => !ids.includes(created?.headers['ce-id'] ?? ''),
      );
      const doc = await orderDocument(suite, res.body.id);
      expect(doc?.status).toBe('PENDING');
      expect(doc?.events.map((e) => e.id)).toEqual([created?.headers['ce-id']]);
    });
  });

  describe('orders.created v2 and a consumer still on v1', () => {
    it('a consumer written for v1 reads what this service now publishes (v2) as v1, with nothing dead-lettered', async () => {
      const seen: OrderCreatedV1Data[] = [];
      const v1Consumer = await suite.bus.subscribe(OrderCreatedV1, (data) => void seen.push(data), {
        durable: 'a-consumer-still-on-v1',
        maxDeliver: 1,
      });
      try {
        const userId = await customer(suite);
        const res = await post<OrderJson>(suite, '/api/orders', {
          userId,
          items: [{ sku: 'SKU-7', quantity: 3, unitPrice: 2.25 }],
        });
        expect(res.status).toBe(201);
        const [data] = await eventually(
          'the v1 consumer to get the order',
          () => seen.filter((d) => d.orderId === res.body.id),
          (mine) => mine.length === 1,
        );
        expect(data).toEqual({
          orderId: res.body.id,
          userId,
          items: [{ sku: 'SKU-7', quantity: 3 }],
          createdAt: res.body.createdAt,
        });
        const dead = await published(suite, 'DLQ', 'dlq.orders.created');
        expect(dead.filter((m) => m.data.orderId === res.body.id)).toEqual([]);
      } finally {
        await v1Consumer.stop(1_000);
      }
    });
  });

  describe('users.created', () => {
    it('records the customer, who may then order; a redelivery changes nothing', async () => {
      const user: UserCreatedData = {
        userId: randomUUID(),
        email: 'grace@example.com',
        name: 'Grace Hopper',
        createdAt: '2026-11-24T09:00:00.000Z',
      };
      const customers = suite.db.collection('customers');
      const before = await post(suite, '/api/orders', {
        userId: user.userId,
        items: [{ sku: 'SKU-1', quantity: 1 }],
      });
      expect(before.status).toBe(422);

      const eventId = randomUUID();
      await processed(suite, UserCreated, await publishRaw(suite, UserCreated, user, eventId));
      const recorded = await customers.findOne({ _id: user.userId as never });
      expect(recorded).toEqual({
        _id: user.userId,
        email: user.email,
        name: user.name,
        createdAt: new Date(user.createdAt),
      });

      await processed(suite, UserCreated, await publishRaw(suite, UserCreated, user, eventId));
      expect(await customers.find({ _id: user.userId as never }).toArray()).toEqual([recorded]);
      const after = await post(suite, '/api/orders', {
        userId: user.userId,
        items: [{ sku: 'SKU-1', quantity: 1 }],
      });
      expect(after.status).toBe(201);
    });

    it('does not revive a customer whose users.deleted overtook the users.created', async () => {
      const userId = randomUUID();
      await deliver(suite, UserDeleted, { userId, deletedAt: new Date().toISOString() });
      await deliver(suite, UserCreated, {
        userId,
        email: 'late@example.com',
        name: 'Late',
        createdAt: new Date().toISOString(),
      });
      const res = await post(suite, '/api/orders', { userId, items: [{ sku: 'SKU-1', quantity: 1 }] });
      expect(res.status).toBe(422);
    });
  });

  describe('users.deleted', () => {
    it('cancels only the user’s PENDING orders, each announced once; a redelivery changes nothing', async () => {
      const userId = await customer(suite);
      const first = await placeOrder(suite, userId);
      const second = await placeOrder(suite, userId);
      const settled = await placeOrder(suite, userId);
      await deliver(suite, InventoryReserved, reserved(settled, 10));
      const bystander = await placeOrder(suite, await customer(suite));

      const deletion = { userId, deletedAt: '2026-11-24T10:00:00.000Z' };
      const eventId = randomUUID();
      await processed(suite, UserDeleted, await publishRaw(suite, UserDeleted, deletion, eventId));

      for (const placed of [first, second]) {
        expect(await order(placed.id)).toMatchObject({ status: 'CANCELLED', reason: 'user_deleted' });
        const events = await firstPublished(suite, 'orders.cancelled', placed.id);
        expect(events.map((e) => e.data)).toEqual([{ orderId: placed.id, userId, reason: 'user_deleted' }]);
      }
      expect((await order(settled.id)).status).toBe('CONFIRMED');
      expect((await order(bystander.id)).status).toBe('PENDING');
      const customerDoc = await suite.db.collection('customers').findOne({ _id: userId as never });
      expect(customerDoc?.deletedAt).toEqual(new Date(deletion.deletedAt));

      const before = await Promise.all([first, second].map((o) => order(o.id)));
      await processed(suite, UserDeleted, await publishRaw(suite, UserDeleted, deletion, eventId));
      expect(await Promise.all([first, second].map((o) => order(o.id)))).toEqual(before);
      await outboxesDrained(suite);
      for (const placed of [first, second]) {
        expect(await publishedFor(suite, 'orders.cancelled', placed.id)).toHaveLength(1);
      }
      expect(await publishedFor(suite, 'orders.cancelled', settled.id)).toEqual([]);
      const res = await post(suite, '/api/orders', { userId, items: [{ sku: 'SKU-1', quantity: 1 }] });
      expect(res.status).toBe(422);
    });
  });

  describe('inventory.reserved', () => {
    it('confirms a PENDING order with the total, announced once; a redelivery changes nothing', async () => {
      const userId = await customer(suite);
      const placed = await placeOrder(suite, userId, [{ sku: 'SKU-1', quantity: 3 }]);
      const data = reserved(placed, 15.5);
      const eventId = randomUUID();
      await processed(suite, InventoryReserved, await publishRaw(suite, InventoryReserved, data, eventId));

      const confirmed = await order(placed.id);
      expect(confirmed).toMatchObject({ id: placed.id, status: 'CONFIRMED', total: 15.5 });
      expect(confirmed).not.toHaveProperty('reason');
      const events = await firstPublished(suite, 'orders.confirmed', placed.id);
      expect(events.map((e) => e.data)).toEqual([{ orderId: placed.id, userId, total: 15.5 }]);

      await processed(suite, InventoryReserved, await publishRaw(suite, InventoryReserved, data, eventId));
      expect(await order(placed.id)).toEqual(confirmed);
      await outboxesDrained(suite);
      expect(await publishedFor(suite, 'orders.confirmed', placed.id)).toHaveLength(1);
    });

    it('leaves a CANCELLED order as it is when a late inventory.reserved arrives', async () => {
      const userId = await customer(suite);
      const placed = await placeOrder(suite, userId);
      await deliver(suite, UserDeleted, { userId, deletedAt: new Date().toISOString() });
      const cancelled = await order(placed.id);
      expect(cancelled.status).toBe('CANCELLED');

      await deliver(suite, InventoryReserved, reserved(placed, 5));
      expect(await order(placed.id)).toEqual(cancelled);
      await outboxesDrained(suite);
      expect(await publishedFor(suite, 'orders.confirmed', placed.id)).toEqual([]);
      expect(await publishedFor(suite, 'orders.cancelled', placed.id)).toHaveLength(1);
    });

    it('acknowledges an event about an order it does not know, and stores nothing', async () => {
      const orderId = randomUUID();
      await deliver(suite, InventoryReserved, {
        orderId,
        reservationId: randomUUID(),
        items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1 }],
        total: 1,
      });
      expect(await orderDocument(suite, orderId)).toBeNull();
    });
  });

  describe('racing events', () => {
    it('settles each order exactly once when inventory.reserved and users.deleted arrive together', async () => {
      const userId = await customer(suite);
      const placed = await Promise.all(Array.from({ length: 10 }, () => placeOrder(suite, userId)));
      const [reservations, deletion] = await Promise.all([
        Promise.all(placed.map((o) => suite.bus.publish(InventoryReserved, reserved(o, 2)))),
        suite.bus.publish(UserDeleted, { userId, deletedAt: new Date().toISOString() }),
      ]);
      await processed(suite, InventoryReserved, Math.max(...reservations.map((ack) => ack.seq)));
      await processed(suite, UserDeleted, deletion.seq);
      await outboxesDrained(suite);

      for (const o of placed) {
        const settled = await order(o.id);
        expect(['CONFIRMED', 'CANCELLED']).toContain(settled.status);
        const confirmed = await publishedFor(suite, 'orders.confirmed', o.id);
        const cancelled = await publishedFor(suite, 'orders.cancelled', o.id);
        expect({ status: settled.status, confirmed: confirmed.length, cancelled: cancelled.length }).toEqual(
          settled.status === 'CONFIRMED'
            ? { status: 'CONFIRMED', confirmed: 1, cancelled: 0 }
            : { status: 'CANCELLED', confirmed: 0, cancelled: 1 },
        );
      }
    });
  });

  describe('inventory.rejected', () => {
    it('rejects a PENDING order with the reason, announced once; a redelivery or a later reservation changes nothing', async () => {
      const userId = await customer(suite);
      const placed = await placeOrder(suite, userId, [{ sku: 'SKU-7', quantity: 100 }]);
      const eventId = randomUUID();
      await processed(
        suite,
        InventoryRejected,
        await publishRaw(suite, InventoryRejected, rejected(placed), eventId),
      );

      const done = await order(placed.id);
      expect(done).toMatchObject({ status: 'REJECTED', reason: 'insufficient_stock' });
      expect(done).not.toHaveProperty('total');
      const events = await firstPublished(suite, 'orders.rejected', placed.id);
      expect(events.map((e) => e.data)).toEqual([
        { orderId: placed.id, userId, reason: 'insufficient_stock' },
      ]);

      await processed(
        suite,
        InventoryRejected,
        await publishRaw(suite, InventoryRejected, rejected(placed), eventId),
      );
      expect(await order(placed.id)).toEqual(done);
      await deliver(suite, InventoryReserved, reserved(placed, 1));
      expect(await order(placed.id)).toEqual(done);
      await outboxesDrained(suite);
      expect(await publishedFor(suite, 'orders.rejected', placed.id)).toHaveLength(1);
      expect(await publishedFor(suite, 'orders.confirmed', placed.id)).toEqual([]);
    });
  });
});
