import { randomUUID } from 'node:crypto';
import type { PendingEvent } from '@demo/bus';
import type { OrderCreatedData } from '@demo/contracts';
import { createTestDatabase, type TestDatabase } from '@demo/infra';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, type Postgres } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { ReservationRepository } from '../src/db/reservation-repository.js';
import { sku } from './harness.js';

/** An `orders.created` (v2) without quoted prices: the lines are priced from the catalogue. */
function order(items: Array<{ sku: string; quantity: number }>): OrderCreatedData {
  return {
    orderId: randomUUID(),
    userId: randomUUID(),
    items: items.map((line) => ({ ...line, unitPrice: null })),
    currency: 'EUR',
    createdAt: new Date().toISOString(),
  };
}

/**
 * What a reservation and a release cost PostgreSQL, counted on the client: the statements a
 * pooled client sends, grouped by round trip (those sent before an answer came back travel
 * together on the pool's pipelined clients). The stock rows stay locked from the lock statement
 * to the commit, so the round trips after the lock are what serializes orders for a hot SKU:
 * one now (the write with the commit), `3 + N` for N SKUs before. The budget is written down
 * here so that it cannot grow back unnoticed.
 */
describe('PostgreSQL round trips of a reservation', () => {
  let database: TestDatabase;
  let postgres: Postgres;
  let repo: ReservationRepository;
  const committed: PendingEvent[][] = [];
  /** What the pool's clients sent, by round trip: the statements that went out before an answer came back. */
  const trips: string[][] = [];

  /** A statement by its first words: `begin`, `commit`, or the first CTE of a `with`. */
  const label = (text: string) => {
    const words = text.trim().toLowerCase().split(/\s+/);
    return words[0] === 'with' ? `with ${words[1]}` : (words[0] ?? '');
  };

  beforeAll(async () => {
    database = await createTestDatabase('inventory_round_trips');
    postgres = connectPostgres(database.url, () => {});
    postgres.pool.on('connect', (client: pg.PoolClient) => {
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown> | undefined;
      let inFlight = 0;
      const done = () => {
        inFlight -= 1;
      };
      (client as { query: unknown }).query = (config: unknown, ...rest: unknown[]) => {
        if (inFlight === 0) trips.push([]);
        trips.at(-1)?.push(label(typeof config === 'string' ? config : (config as { text: string }).text));
        inFlight += 1;
        // `pool.query` passes a callback; drizzle and the repository take the promise.
        const callback = rest.at(-1);
        if (typeof callback === 'function') {
          return query(config, ...rest.slice(0, -1), (...answer: unknown[]) => {
            done();
            callback(...answer);
          });
        }
        const answer = query(config, ...rest);
        answer?.then(done, done);
        return answer;
      };
    });
    await runMigrations(postgres.pool);
    repo = new ReservationRepository(postgres.pool, (events) => committed.push([...events]));
  });
  afterAll(async () => {
    await postgres?.pool.end();
    await database?.drop();
  });

  /** What `work` answered, and the round trips it took (the statements of each). */
  async function roundTrips<T>(work: () => Promise<T>): Promise<{ outcome: T; trips: string[][] }> {
    trips.length = 0;
    const outcome = await work();
    return { outcome, trips: trips.map((trip) => [...trip]) };
  }

  async function stock(code: string, available: number, unitPrice = 2.5) {
    await postgres.pool.query(
      'insert into inventory_items (sku, name, available, unit_price) values ($1, $2, $3, $4)',
      [code, `Item ${code}`, available, unitPrice],
    );
  }
  const item = async (code: string) =>
    (
      await postgres.pool.query<{ available: number; reserved: number; version: number }>(
        'select available, reserved, version from inventory_items where sku = $1',
        [code],
      )
    ).rows[0];
  const outboxOf = async (orderId: string) =>
    (
      await postgres.pool.query<{ subject: string; data: Record<string, unknown> }>(
        "select subject, data from outbox where data->>'orderId' = $1 order by created_at, id",
        [orderId],
      )
    ).rows;

  it('reserves an order of two SKUs in two round trips: begin with the lock (and the look for a reservation), the write with commit', async () => {
    const [a, b] = [sku('RT-A'), sku('RT-B')].sort() as [string, string];
    await stock(a, 10, 2.5);
    await stock(b, 5, 10.05);
    const o = order([
      { sku: b, quantity: 1 },
      { sku: a, quantity: 2 },
      { sku: b, quantity: 1 },
    ]);
    // Before: begin, the look, the lock, the reservation, one update per SKU, the outbox, commit:
    // 8 round trips, 5 of them after the lock, with the stock rows locked.
    const reserved = await roundTrips(() => repo.reserve(o));
    expect(reserved).toEqual({
      trips: [
        ['begin', 'with existing'],
        ['with reservation', 'commit'],
      ],
      outcome: { outcome: 'reserved', reservationId: expect.any(String), total: 25.1 },
    });

    expect(await item(a)).toEqual({ available: 8, reserved: 2, version: 2 });
    expect(await item(b)).toEqual({ available: 3, reserved: 2, version: 2 });
    const { rows } = await postgres.pool.query(
      'select id, status, items, total, reason from reservations where order_id = $1',
      [o.orderId],
    );
    expect(rows).toEqual([
      {
        id: (reserved.outcome as { reservationId: string }).reservationId,
        status: 'RESERVED',
        items: [
          { sku: b, quantity: 2, unitPrice: 10.05 },
          { sku: a, quantity: 2, unitPrice: 2.5 },
        ],
        total: '25.10',
        reason: null,
      },
    ]);
    // The events as they were handed to the relay, and as the outbox holds them, in that order.
    const events = committed.at(-1) ?? [];
    expect(events.map((e) => e.subject)).toEqual([
      'inventory.reserved',
      'inventory.stock-changed',
      'inventory.stock-changed',
    ]);
    expect(await outboxOf(o.orderId)).toEqual(events.map((e) => ({ subject: e.subject, data: e.data })));
    expect(events[1]?.data).toMatchObject({ sku: b, available: 3, reserved: 2, change: -2, version: 2 });
    expect(events[2]?.data).toMatchObject({ sku: a, available: 8, reserved: 2, change: -2, version: 2 });

    // A second delivery: the look finds the reservation, no stock row is locked, nothing written.
    expect(await roundTrips(() => repo.reserve(o))).toEqual({
      trips: [['begin', 'with existing'], ['commit']],
      outcome: { outcome: 'duplicate', status: 'RESERVED' },
    });
    expect(await item(a)).toEqual({ available: 8, reserved: 2, version: 2 });
  });

  it('refuses an order in two too, stock untouched', async () => {
    const a = sku('RT-SHORT');
    await stock(a, 1);
    const o = order([{ sku: a, quantity: 2 }]);
    // Before: begin, the look, the lock, the reservation, the outbox, commit (6).
    expect(await roundTrips(() => repo.reserve(o))).toEqual({
      trips: [
        ['begin', 'with existing'],
        ['with reservation', 'commit'],
      ],
      outcome: { outcome: 'rejected', reason: 'insufficient_stock' },
    });
    expect(await item(a)).toEqual({ available: 1, reserved: 0, version: 1 });
    expect(await outboxOf(o.orderId)).toEqual([
      {
        subject: 'inventory.rejected',
        data: {
          orderId: o.orderId,
          reason: 'insufficient_stock',
          items: [{ sku: a, quantity: 2, available: 1 }],
        },
      },
    ]);
    const unknown = order([{ sku: sku('RT-NONE'), quantity: 1 }]);
    expect(await repo.reserve(unknown)).toEqual({ outcome: 'rejected', reason: 'unknown_sku' });
  });

  it('releases in two: begin with the lock of the reservation and its stock, the write with commit', async () => {
    const [a, b] = [sku('RT-A'), sku('RT-B')].sort() as [string, string];
    await stock(a, 4);
    await stock(b, 4);
    const o = order([
      { sku: a, quantity: 1 },
      { sku: b, quantity: 3 },
    ]);
    await repo.reserve(o);
    // Before: begin, the reservation's lock, the stock's lock, one update per SKU, the
    // reservation, the outbox, commit (8).
    expect(await roundTrips(() => repo.release(o.orderId, 'user_deleted'))).toEqual({
      trips: [
        ['begin', 'with reservation'],
        ['with stock', 'commit'],
      ],
      outcome: { outcome: 'released', reservationId: expect.any(String) },
    });
    expect(await item(a)).toEqual({ available: 4, reserved: 0, version: 3 });
    expect(await item(b)).toEqual({ available: 4, reserved: 0, version: 3 });
    expect((await outboxOf(o.orderId)).map((e) => [e.subject, e.data.cause, e.data.version])).toEqual([
      ['inventory.reserved', undefined, undefined],
      ['inventory.stock-changed', 'reserved', 2],
      ['inventory.stock-changed', 'reserved', 2],
      ['inventory.released', undefined, undefined],
      ['inventory.stock-changed', 'released', 3],
      ['inventory.stock-changed', 'released', 3],
    ]);

    // Released already: looked at, nothing written.
    expect(await roundTrips(() => repo.release(o.orderId, 'user_deleted'))).toEqual({
      trips: [['begin', 'with reservation'], ['commit']],
      outcome: { outcome: 'unchanged', status: 'RELEASED' },
    });
  });

  it('records a cancellation that comes first, and the late order then reserves nothing', async () => {
    const a = sku('RT-LATE');
    await stock(a, 4);
    const o = order([{ sku: a, quantity: 1 }]);
    expect(await roundTrips(() => repo.release(o.orderId, 'user_deleted'))).toEqual({
      trips: [
        ['begin', 'with reservation'],
        ['insert', 'commit'],
      ],
      outcome: { outcome: 'cancelled-before-reservation' },
    });
    expect(await repo.reserve(o)).toEqual({ outcome: 'duplicate', status: 'CANCELLED' });
    expect(await item(a)).toEqual({ available: 4, reserved: 0, version: 1 });
  });

  it('a delivery racing another of the same order: the write fails on the unique order id, nothing of it stays', async () => {
    const a = sku('RT-RACE');
    await stock(a, 4);
    const o = order([{ sku: a, quantity: 1 }]);
    // The other delivery has written its row and not committed yet: ours does not see it, locks
    // the stock, and waits on the unique index in its write until the other commits.
    const other = await postgres.pool.connect();
    try {
      await other.query('begin');
      await other.query(
        "insert into reservations (order_id, status, items) values ($1, 'REJECTED', '[]'::jsonb)",
        [o.orderId],
      );
      const racing = repo.reserve(o);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await other.query('commit');
      expect(await racing).toEqual({ outcome: 'duplicate' });
    } finally {
      other.release();
    }
    expect(await item(a)).toEqual({ available: 4, reserved: 0, version: 1 });
    expect(await outboxOf(o.orderId)).toEqual([]);
    const { rows } = await postgres.pool.query('select status from reservations where order_id = $1', [
      o.orderId,
    ]);
    expect(rows).toEqual([{ status: 'REJECTED' }]);
  });

  it('keeps the order of a SKU’s changes under contention: versions 2..21, each once, stock never negative', async () => {
    const a = sku('RT-HOT');
    await stock(a, 15);
    const orders = Array.from({ length: 20 }, () => order([{ sku: a, quantity: 1 }]));
    const outcomes = await Promise.all(orders.map((o) => repo.reserve(o)));
    expect(outcomes.filter((x) => x.outcome === 'reserved')).toHaveLength(15);
    expect(outcomes.filter((x) => x.outcome === 'rejected')).toHaveLength(5);
    expect(await item(a)).toEqual({ available: 0, reserved: 15, version: 16 });
    const { rows } = await postgres.pool.query<{ version: number; available: number }>(
      `select (data->>'version')::int as version, (data->>'available')::int as available from outbox
        where subject = 'inventory.stock-changed' and data->>'sku' = $1 order by created_at, id`,
      [a],
    );
    // Ordered by created_at (clock_timestamp() after the lock), the changes follow their versions.
    expect(rows).toEqual(Array.from({ length: 15 }, (_, i) => ({ version: i + 2, available: 14 - i })));
  });
});
