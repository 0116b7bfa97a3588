import {
  type InventoryRejectedData,
  type InventoryReleasedData,
  type InventoryReservedData,
  type InventoryStockChangedData,
  OrderCancelled,
  OrderCreatedV1,
} from '@demo/contracts';
import { otlpSink } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, Harness, order, sku } from './harness.js';

interface Level {
  sku: string;
  available: number;
  reserved: number;
  lowStock: boolean;
}

/**
 * The invariants under contention: stock never goes negative, and an item's `reserved` always
 * equals the sum of its live (RESERVED) reservations.
 */
describe('inventory-service under concurrent orders for one SKU', () => {
  let h: Harness;
  const code = sku('HOT');

  const invariant = async () => {
    const { rows } = await h.pg.query<{ available: number; reserved: number; live: string }>(
      `select i.available, i.reserved,
              coalesce((select sum((line->>'quantity')::int)
                          from reservations r, jsonb_array_elements(r.items) line
                         where r.status = 'RESERVED' and line->>'sku' = i.sku), 0) as live
         from inventory_items i where i.sku = $1`,
      [code],
    );
    const row = rows[0];
    expect(row).toBeDefined();
    expect(row?.available).toBeGreaterThanOrEqual(0);
    expect(row?.reserved).toBe(Number(row?.live));
    return { available: row?.available, reserved: row?.reserved };
  };

  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('50 orders of 1 for a stock of 20: exactly 20 reserved and 30 rejected, stock at 0, nothing negative', async () => {
    await h.stock(code, 20, 4.99);
    const orders = Array.from({ length: 50 }, () => order([{ sku: code, quantity: 1 }]));
    await Promise.all(orders.map((o) => h.publish(OrderCreatedV1, o)));

    await eventually(
      'an outcome for every order',
      async () =>
        (await h.published('inventory.reserved')).length +
          (await h.published('inventory.rejected')).length ===
        50,
      30_000,
    );
    await h.settled();

    const reserved = await h.published<InventoryReservedData>('inventory.reserved');
    const rejected = await h.published<InventoryRejectedData>('inventory.rejected');
    expect(reserved).toHaveLength(20);
    expect(rejected).toHaveLength(30);
    const decided = new Set([...reserved, ...rejected].map((e) => e.data.orderId));
    expect(decided).toEqual(new Set(orders.map((o) => o.orderId)));
    expect(reserved.every((e) => e.data.total === 4.99)).toBe(true);
    expect(rejected.map((e) => [e.data.reason, e.data.items])).toEqual(
      rejected.map(() => ['insufficient_stock', [{ sku: code, quantity: 1, available: 0 }]]),
    );

    expect(await invariant()).toEqual({ available: 0, reserved: 20 });
    const { rows } = await h.pg.query<{ status: string; n: string }>(
      'select status, count(*) as n from reservations group by status order by status',
    );
    expect(rows).toEqual([
      { status: 'RESERVED', n: '20' },
      { status: 'REJECTED', n: '30' },
    ]);

    // One change per commit, each with the SKU's next version: 1 (stocked) to 21, each once. The
    // stream may hold them in another order (commits are heard of, and so published, out of
    // order under load); by version, each continues from the one before it.
    const changes = (await h.published<InventoryStockChangedData>('inventory.stock-changed'))
      .map((e) => e.data)
      .filter((c) => c.sku === code);
    const versions = changes.map((c) => c.version ?? 0).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(changes.every((c) => c.available + c.reserved === 20)).toBe(true);
    const byVersion = [...changes].sort((a, b) => (a.version ?? 0) - (b.version ?? 0));
    expect(byVersion.map((c) => [c.version, c.available, c.reserved])).toEqual(
      Array.from({ length: 21 }, (_, i) => [i + 1, 20 - i, i]),
    );

    // The read model ends at the latest change, whatever order the stream delivered them in.
    const level = await h.mongoDb.collection('stock_levels').findOne({ _id: code as never });
    expect(level).toMatchObject({ available: 0, reserved: 20, lowStock: true, version: 21 });
    expect(await h.mongoDb.collection('stock_movements').countDocuments({ sku: code })).toBe(21);
  });

  it('then 5 concurrent cancellations release exactly those 5: available 5, reserved 15', async () => {
    const reserved = await h.published<InventoryReservedData>('inventory.reserved');
    const toCancel = reserved.slice(0, 5).map((e) => e.data.orderId);
    await Promise.all(
      toCancel.map((orderId) =>
        h.publish(OrderCancelled, { orderId, userId: crypto.randomUUID(), reason: 'user_deleted' }),
      ),
    );
    await eventually('5 releases', async () => (await h.published('inventory.released')).length === 5);
    await h.settled();

    const released = await h.published<InventoryReleasedData>('inventory.released');
    expect(new Set(released.map((e) => e.data.orderId))).toEqual(new Set(toCancel));
    expect(await invariant()).toEqual({ available: 5, reserved: 15 });
    const { rows } = await h.pg.query<{ n: string }>(
      "select count(*) as n from reservations where status = 'RELEASED' and order_id = any($1)",
      [toCancel],
    );
    expect(rows[0]?.n).toBe('5');

    const level = await h.mongoDb.collection('stock_levels').findOne({ _id: code as never });
    expect(level).toMatchObject({ available: 5, reserved: 15, version: 26 });
    const api = await h.http<{ items: Level[] }>('GET', '/api/stock-levels?limit=100');
    expect(api.body.items.find((l) => l.sku === code)).toMatchObject({
      available: 5,
      reserved: 15,
      lowStock: true,
    });
  });

  it('exports the stock gauges per SKU and the orders by outcome, through the collector', async () => {
    const sink = otlpSink().forService('inventory-service');
    const point = (name: string, attributes: Record<string, string>, resource?: unknown) => async () => {
      const metrics = await sink.metrics();
      const values = metrics
        .filter(
          (m) =>
            m.name === name && (resource === undefined || m.resource['service.instance.id'] === resource),
        )
        .flatMap((m) =>
          m.dataPoints
            .filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
            .map((p) => ({ value: p.value, instance: m.resource['service.instance.id'] })),
        );
      return values.at(-1);
    };
    const available = await sink.waitFor(
      'demo.stock.available of the SKU at 5',
      point('demo.stock.available', { sku: code }),
      (p) => p?.value === 5,
    );
    await sink.waitFor(
      'demo.stock.reserved at 15',
      point('demo.stock.reserved', { sku: code }),
      (p) => p?.value === 15,
    );
    const instance = available?.instance;
    expect(instance).toEqual(expect.any(String));
    for (const [outcome, n] of [
      ['reserved', 20],
      ['rejected', 30],
      ['released', 5],
    ] as const) {
      await sink.waitFor(
        `demo.reservations{outcome=${outcome}} at ${n}`,
        point('demo.reservations', { outcome }, instance),
        (p) => p?.value === n,
      );
    }
  });
});
