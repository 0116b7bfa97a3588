import { randomBytes, randomUUID } from 'node:crypto';
import {
  type InventoryRejectedData,
  type InventoryReleasedData,
  type InventoryReservedData,
  type InventoryStockChangedData,
  OrderCancelled,
  OrderCreatedV1,
} from '@demo/contracts';
import { asServiceMongoUser } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, Harness, order, sku } from './harness.js';

/**
 * Each consumed event against the real service: its effect on PostgreSQL, what it publishes,
 * and that a second delivery of the same event changes nothing and publishes nothing.
 */
describe('inventory-service events', () => {
  let h: Harness;

  const forOrder = async <T extends { orderId: string }>(subject: string, orderId: string) =>
    (await h.published<T>(subject)).filter((e) => e.data.orderId === orderId);
  const stockChanges = async (code: string) =>
    (await h.published<InventoryStockChangedData>('inventory.stock-changed')).filter(
      (e) => e.data.sku === code,
    );
  const outcomesOf = async (orderId: string) => ({
    reserved: await forOrder<InventoryReservedData>('inventory.reserved', orderId),
    rejected: await forOrder<InventoryRejectedData>('inventory.rejected', orderId),
    released: await forOrder<InventoryReleasedData>('inventory.released', orderId),
  });
  const reservedFor = async (orderId: string) => {
    await eventually(
      `inventory.reserved for ${orderId}`,
      async () => (await outcomesOf(orderId)).reserved.length > 0,
    );
    await h.settled();
  };

  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('orders.created', () => {
    it('reserves every line: stock moves, the reservation is recorded, inventory.reserved and stock changes go out', async () => {
      const a = sku('A');
      const b = sku('B');
      await h.stock(a, 10, 2.5);
      await h.stock(b, 3, 10.05);
      const o = order([
        { sku: a, quantity: 2 },
        { sku: b, quantity: 1 },
      ]);
      await h.publish(OrderCreatedV1, o);
      await reservedFor(o.orderId);

      const { reserved, rejected } = await outcomesOf(o.orderId);
      expect(rejected).toEqual([]);
      expect(reserved).toHaveLength(1);
      const reservation = await h.reservation(o.orderId);
      expect(reserved[0]?.data).toEqual({
        orderId: o.orderId,
        reservationId: reservation?.id,
        items: [
          { sku: a, quantity: 2, unitPrice: 2.5 },
          { sku: b, quantity: 1, unitPrice: 10.05 },
        ],
        total: 15.05,
      });
      expect(reservation).toMatchObject({ status: 'RESERVED', total: '15.05', reason: null });
      expect(await h.item(a)).toEqual({ available: 8, reserved: 2 });
      expect(await h.item(b)).toEqual({ available: 2, reserved: 1 });

      expect((await stockChanges(a)).map((e) => e.data)).toEqual([
        { sku: a, available: 10, reserved: 0, change: 10, cause: 'created', version: 1 },
        { sku: a, available: 8, reserved: 2, change: -2, cause: 'reserved', orderId: o.orderId, version: 2 },
      ]);
      expect((await stockChanges(b)).at(-1)?.data).toEqual({
        sku: b,
        available: 2,
        reserved: 1,
        change: -1,
        cause: 'reserved',
        orderId: o.orderId,
        version: 2,
      });
    });

    it('a redelivered orders.created (same event twice) reserves once and publishes once', async () => {
      const a = sku('REDO');
      await h.stock(a, 5);
      const o = order([{ sku: a, quantity: 2 }]);
      const eventId = randomUUID();
      await h.publishRaw('orders.created', o, eventId);
      await h.publishRaw('orders.created', o, eventId);
      await reservedFor(o.orderId);

      const { reserved, rejected } = await outcomesOf(o.orderId);
      expect(reserved).toHaveLength(1);
      expect(rejected).toHaveLength(0);
      expect(await h.item(a)).toEqual({ available: 3, reserved: 2 });
      expect((await stockChanges(a)).filter((e) => e.data.cause === 'reserved')).toHaveLength(1);
      const { rows } = await h.pg.query('select id from reservations where order_id = $1', [o.orderId]);
      expect(rows).toHaveLength(1);
    });

    it('refuses an order it cannot fill with insufficient_stock, all or nothing, stock untouched', async () => {
      const a = sku('FEW');
      const b = sku('MANY');
      await h.stock(a, 1);
      await h.stock(b, 100);
      const o = order([
        { sku: b, quantity: 10 },
        { sku: a, quantity: 2 },
      ]);
      await h.publish(OrderCreatedV1, o);
      await eventually('inventory.rejected', async () => (await outcomesOf(o.orderId)).rejected.length === 1);
      await h.settled();

      const { reserved, rejected } = await outcomesOf(o.orderId);
      expect(reserved).toEqual([]);
      expect(rejected.map((e) => e.data)).toEqual([
        {
          orderId: o.orderId,
          reason: 'insufficient_stock',
          items: [{ sku: a, quantity: 2, available: 1 }],
        },
      ]);
      expect(await h.item(a)).toEqual({ available: 1, reserved: 0 });
      expect(await h.item(b)).toEqual({ available: 100, reserved: 0 });
      expect(await h.reservation(o.orderId)).toMatchObject({
        status: 'REJECTED',
        reason: 'insufficient_stock',
        total: null,
      });
      expect((await stockChanges(b)).map((e) => e.data.cause)).toEqual(['created']);
    });

    it('refuses an order naming an unknown SKU with unknown_sku, stock untouched; a redelivery publishes nothing more', async () => {
      const a = sku('KNOWN');
      const unknown = sku('GHOST');
      await h.stock(a, 10);
      const o = order([
        { sku: a, quantity: 1 },
        { sku: unknown, quantity: 3 },
      ]);
      const eventId = randomUUID();
      await h.publishRaw('orders.created', o, eventId);
      await h.publishRaw('orders.created', o, eventId);
      await eventually('inventory.rejected', async () => (await outcomesOf(o.orderId)).rejected.length > 0);
      await h.settled();

      const { reserved, rejected } = await outcomesOf(o.orderId);
      expect(reserved).toEqual([]);
      expect(rejected.map((e) => e.data)).toEqual([
        {
          orderId: o.orderId,
          reason: 'unknown_sku',
          items: [{ sku: unknown, quantity: 3, available: 0 }],
        },
      ]);
      expect(await h.item(a)).toEqual({ available: 10, reserved: 0 });
      expect(await h.reservation(o.orderId)).toMatchObject({ status: 'REJECTED', reason: 'unknown_sku' });
    });
  });

  describe('orders.created whose total a reservation cannot record', () => {
    it('refuses it once with total_too_large (no failing redeliveries), stock untouched', async () => {
      const dear = sku('DEAR');
      await h.stock(dear, 1000, 9_999_999_999.99);
      // 101 × 9,999,999,999.99 overflows reservations.total numeric(14, 2).
      const o = order([{ sku: dear, quantity: 101 }]);
      await h.publish(OrderCreatedV1, o);
      await eventually('inventory.rejected', async () => (await outcomesOf(o.orderId)).rejected.length === 1);
      await h.settled();

      const { reserved, rejected } = await outcomesOf(o.orderId);
      expect(reserved).toEqual([]);
      expect(rejected.map((e) => e.data)).toEqual([
        {
          orderId: o.orderId,
          reason: 'total_too_large',
          items: [{ sku: dear, quantity: 101, available: 1000 }],
        },
      ]);
      expect(await h.item(dear)).toEqual({ available: 1000, reserved: 0 });
      expect(await h.reservation(o.orderId)).toMatchObject({ status: 'REJECTED', reason: 'total_too_large' });
      expect(await h.published('dlq.orders.created')).toEqual([]);

      // The largest total that fits is reserved.
      const fits = order([{ sku: dear, quantity: 99 }]);
      await h.publish(OrderCreatedV1, fits);
      await reservedFor(fits.orderId);
      expect((await outcomesOf(fits.orderId)).reserved[0]?.data.total).toBe(989_999_999_999.01);
    });
  });

  it('continues the trace of orders.created into every event it publishes for the order', async () => {
    const a = sku('TRACE');
    await h.stock(a, 2);
    const traceId = randomBytes(16).toString('hex');
    const o = order([{ sku: a, quantity: 1 }]);
    await h.publishRaw('orders.created', o, randomUUID(), {
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    });
    await reservedFor(o.orderId);

    const [reserved] = (await outcomesOf(o.orderId)).reserved;
    expect(reserved?.traceparent?.split('-')[1]).toBe(traceId);
    const [change] = (await stockChanges(a)).filter((e) => e.data.orderId === o.orderId);
    expect(change?.traceparent?.split('-')[1]).toBe(traceId);
  });

  describe('orders.cancelled', () => {
    it('releases a reservation once: stock returns, inventory.released and stock changes go out; a redelivery changes nothing', async () => {
      const a = sku('BACK');
      await h.stock(a, 4, 3);
      const o = order([{ sku: a, quantity: 3 }]);
      await h.publish(OrderCreatedV1, o);
      await reservedFor(o.orderId);
      expect(await h.item(a)).toEqual({ available: 1, reserved: 3 });

      const cancelled = { orderId: o.orderId, userId: o.userId, reason: 'user_deleted' as const };
      const eventId = randomUUID();
      await h.publishRaw('orders.cancelled', cancelled, eventId);
      await h.publishRaw('orders.cancelled', cancelled, eventId);
      await eventually('inventory.released', async () => (await outcomesOf(o.orderId)).released.length > 0);
      await h.settled();

      const reservation = await h.reservation(o.orderId);
      const { released } = await outcomesOf(o.orderId);
      expect(released.map((e) => e.data)).toEqual([{ orderId: o.orderId, reservationId: reservation?.id }]);
      expect(reservation).toMatchObject({ status: 'RELEASED', reason: 'user_deleted' });
      expect(await h.item(a)).toEqual({ available: 4, reserved: 0 });
      expect((await stockChanges(a)).map((e) => e.data)).toEqual([
        { sku: a, available: 4, reserved: 0, change: 4, cause: 'created', version: 1 },
        { sku: a, available: 1, reserved: 3, change: -3, cause: 'reserved', orderId: o.orderId, version: 2 },
        { sku: a, available: 4, reserved: 0, change: 3, cause: 'released', orderId: o.orderId, version: 3 },
      ]);
      const { rows } = await h.pg.query('select version from inventory_items where sku = $1', [a]);
      expect(rows).toEqual([{ version: 3 }]);
    });

    it('a cancellation that arrives first records the order as cancelled: the late orders.created reserves nothing', async () => {
      const a = sku('LATE');
      await h.stock(a, 4);
      const o = order([{ sku: a, quantity: 1 }]);
      await h.publish(OrderCancelled, { orderId: o.orderId, userId: o.userId, reason: 'user_deleted' });
      await eventually(
        'the cancelled row',
        async () => (await h.reservation(o.orderId))?.status === 'CANCELLED',
      );
      await h.publish(OrderCreatedV1, o);
      await h.settled();

      expect(await outcomesOf(o.orderId)).toEqual({ reserved: [], rejected: [], released: [] });
      expect(await h.item(a)).toEqual({ available: 4, reserved: 0 });
      expect(await h.reservation(o.orderId)).toMatchObject({ status: 'CANCELLED', items: [] });
    });

    it('cancelling a rejected order releases nothing', async () => {
      const a = sku('NONE');
      await h.stock(a, 0);
      const o = order([{ sku: a, quantity: 1 }]);
      await h.publish(OrderCreatedV1, o);
      await eventually('inventory.rejected', async () => (await outcomesOf(o.orderId)).rejected.length === 1);
      await h.publish(OrderCancelled, { orderId: o.orderId, userId: o.userId, reason: 'user_deleted' });
      await h.settled();

      expect((await outcomesOf(o.orderId)).released).toEqual([]);
      expect(await h.reservation(o.orderId)).toMatchObject({ status: 'REJECTED' });
      expect(await h.item(a)).toEqual({ available: 0, reserved: 0 });
    });
  });

  describe('inventory.stock-changed (the MongoDB read model)', () => {
    it('keeps stock levels and the movement history in step with PostgreSQL', async () => {
      const a = sku('VIEW');
      await h.stock(a, 7, 1);
      const o = order([{ sku: a, quantity: 3 }]);
      await h.publish(OrderCreatedV1, o);
      await reservedFor(o.orderId);

      const level = await h.mongoDb.collection('stock_levels').findOne({ _id: a as never });
      expect(level).toMatchObject({ available: 4, reserved: 3, lowStock: true, version: 2 });
      const movements = await h.mongoDb
        .collection('stock_movements')
        .find({ sku: a })
        .sort({ seq: 1 })
        .toArray();
      expect(movements.map((m) => [m.cause, m.change, m.available, m.reserved])).toEqual([
        ['created', 7, 7, 0],
        ['reserved', -3, 4, 3],
      ]);
      expect(movements.map((m) => m._id)).toEqual((await stockChanges(a)).map((e) => e.id));

      const api = await h.http<{ items: Array<{ sku: string; available: number; reserved: number }> }>(
        'GET',
        '/api/stock-levels?lowStock=true&limit=100',
      );
      expect(api.body.items.find((l) => l.sku === a)).toMatchObject({
        available: 4,
        reserved: 3,
        lowStock: true,
      });
    });

    it('a redelivered stock change records one movement and leaves the level as it was', async () => {
      const code = sku('ECHO');
      const change: InventoryStockChangedData = {
        sku: code,
        available: 42,
        reserved: 1,
        change: 42,
        cause: 'created',
      };
      const eventId = randomUUID();
      await h.publishRaw('inventory.stock-changed', change, eventId);
      await h.publishRaw('inventory.stock-changed', change, eventId);
      await h.settled();

      const movements = await h.mongoDb.collection('stock_movements').find({ sku: code }).toArray();
      expect(movements.map((m) => m._id)).toEqual([eventId]);
      const level = await h.mongoDb.collection('stock_levels').findOne({ _id: code as never });
      expect(level).toMatchObject({ available: 42, reserved: 1, lowStock: false });
    });

    it('is kept in a database its own MongoDB user made: that user reads it, order-service’s may not', async () => {
      const code = sku('OWNER');
      await h.publishRaw(
        'inventory.stock-changed',
        { sku: code, available: 1, reserved: 0, change: 1, cause: 'created' },
        randomUUID(),
      );
      await h.settled();
      const countAs = (service: 'order-service' | 'inventory-service') =>
        asServiceMongoUser(service, (client) =>
          client
            .db(h.mongoDatabase)
            .collection('stock_levels')
            .countDocuments({ _id: code as never }),
        );
      // A database the service had made as anyone else would refuse inventory_service too.
      expect(await countAs('inventory-service')).toBe(1);
      if (process.env.MONGODB_SERVICE_USERS === 'local')
        expect(await countAs('order-service')).toMatch(/permission denied for table/);
      // Servers without the local users (FerretDB on SQLite, MongoDB without authorization) let anyone read.
      else expect(await countAs('order-service')).toBe(1);
    });
  });
});
