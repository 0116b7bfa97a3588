import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, page } from '../src/domain/cursor.js';
import { formatMoney, parseMoney, toCents } from '../src/domain/money.js';
import {
  isLowStock,
  lockOrder,
  mergeLines,
  planRelease,
  planReservation,
  type Stock,
  StockInvariantError,
} from '../src/domain/stock.js';
import { EnvError, loadEnv as readEnv } from '../src/env.js';

const stock = (sku: string, available: number, unitPrice = 1, reserved = 0, version = 1): Stock => ({
  sku,
  available,
  reserved,
  unitPrice,
  version,
});

describe('planReservation', () => {
  it('reserves every line, prices it, and totals quantity × unitPrice in cents', () => {
    const plan = planReservation(
      [
        { sku: 'AAA-1', quantity: 3 },
        { sku: 'BBB-1', quantity: 1 },
      ],
      [stock('AAA-1', 10, 0.1, 2, 4), stock('BBB-1', 1, 0.2)],
    );
    expect(plan).toEqual({
      outcome: 'reserved',
      lines: [
        { sku: 'AAA-1', quantity: 3, unitPrice: 0.1 },
        { sku: 'BBB-1', quantity: 1, unitPrice: 0.2 },
      ],
      // 0.1 * 3 + 0.2 in floating point is 0.5000000000000001
      total: 0.5,
      changes: [
        { sku: 'AAA-1', available: 7, reserved: 5, change: -3, version: 5 },
        { sku: 'BBB-1', available: 0, reserved: 1, change: -1, version: 2 },
      ],
    });
  });

  it('honours a quoted unit price (orders.created v2) and prices unquoted lines from the catalogue', () => {
    const plan = planReservation(
      [
        { sku: 'AAA-1', quantity: 2, unitPrice: 0.15 },
        { sku: 'BBB-1', quantity: 1, unitPrice: null },
        { sku: 'AAA-1', quantity: 1, unitPrice: 9 },
      ],
      [stock('AAA-1', 10, 0.1), stock('BBB-1', 1, 0.2)],
    );
    expect(plan).toMatchObject({
      outcome: 'reserved',
      lines: [
        { sku: 'AAA-1', quantity: 3, unitPrice: 0.15 },
        { sku: 'BBB-1', quantity: 1, unitPrice: 0.2 },
      ],
      total: 0.65,
    });
  });

  it('merges lines of the same SKU before checking stock', () => {
    const lines = [
      { sku: 'AAA-1', quantity: 2 },
      { sku: 'AAA-1', quantity: 2 },
    ];
    expect(planReservation(lines, [stock('AAA-1', 3)])).toEqual({
      outcome: 'rejected',
      reason: 'insufficient_stock',
      lines: [{ sku: 'AAA-1', quantity: 4, available: 3 }],
    });
    const plan = planReservation(lines, [stock('AAA-1', 4, 1.25)]);
    expect(plan).toMatchObject({ outcome: 'reserved', total: 5, lines: [{ sku: 'AAA-1', quantity: 4 }] });
  });

  it('refuses all or nothing: one short line rejects the order and lists only the short lines', () => {
    const plan = planReservation(
      [
        { sku: 'AAA-1', quantity: 1 },
        { sku: 'BBB-1', quantity: 5 },
      ],
      [stock('AAA-1', 10), stock('BBB-1', 4)],
    );
    expect(plan).toEqual({
      outcome: 'rejected',
      reason: 'insufficient_stock',
      lines: [{ sku: 'BBB-1', quantity: 5, available: 4 }],
    });
  });

  it('refuses an unknown SKU as unknown_sku, before looking at quantities', () => {
    const plan = planReservation(
      [
        { sku: 'AAA-1', quantity: 100 },
        { sku: 'NOPE-1', quantity: 2 },
      ],
      [stock('AAA-1', 1)],
    );
    expect(plan).toEqual({
      outcome: 'rejected',
      reason: 'unknown_sku',
      lines: [{ sku: 'NOPE-1', quantity: 2, available: 0 }],
    });
  });

  it('reserves exactly what is available', () => {
    expect(planReservation([{ sku: 'AAA-1', quantity: 4 }], [stock('AAA-1', 4)]).outcome).toBe('reserved');
  });

  it('moves each SKU one version up, once for lines of the same SKU merged', () => {
    const plan = planReservation(
      [
        { sku: 'AAA-1', quantity: 1 },
        { sku: 'BBB-1', quantity: 2 },
        { sku: 'AAA-1', quantity: 1 },
      ],
      [stock('AAA-1', 5, 1, 0, 1), stock('BBB-1', 5, 1, 3, 41)],
    );
    expect(plan.outcome === 'reserved' && plan.changes.map((c) => [c.sku, c.version])).toEqual([
      ['AAA-1', 2],
      ['BBB-1', 42],
    ]);
  });

  it('changes no version when it refuses an order (nothing to announce)', () => {
    const plan = planReservation([{ sku: 'AAA-1', quantity: 6 }], [stock('AAA-1', 5, 1, 0, 7)]);
    expect(plan).not.toHaveProperty('changes');
  });
});

describe('planRelease', () => {
  it('returns the reserved quantities to available', () => {
    expect(planRelease([{ sku: 'AAA-1', quantity: 2 }], [stock('AAA-1', 1, 1, 5)])).toEqual([
      { sku: 'AAA-1', available: 3, reserved: 3, change: 2, version: 2 },
    ]);
  });

  it('moves each released SKU one version up from the locked stock', () => {
    const changes = planRelease(
      [
        { sku: 'BBB-1', quantity: 1 },
        { sku: 'AAA-1', quantity: 2 },
      ],
      [stock('AAA-1', 0, 1, 2, 9), stock('BBB-1', 0, 1, 1, 3)],
    );
    expect(changes.map((c) => [c.sku, c.version])).toEqual([
      ['BBB-1', 4],
      ['AAA-1', 10],
    ]);
  });

  it('a reservation then its release: two changes, versions in the order they were planned', () => {
    const before = stock('AAA-1', 3, 1, 0, 1);
    const plan = planReservation([{ sku: 'AAA-1', quantity: 2 }], [before]);
    if (plan.outcome !== 'reserved') throw new Error(`not reserved: ${plan.reason}`);
    const [reserved] = plan.changes;
    const [released] = planRelease(plan.lines, [{ ...before, ...reserved }]);
    expect([reserved, released]).toEqual([
      { sku: 'AAA-1', available: 1, reserved: 2, change: -2, version: 2 },
      { sku: 'AAA-1', available: 3, reserved: 0, change: 2, version: 3 },
    ]);
  });

  it('refuses to release more than is reserved, or a SKU that is gone', () => {
    expect(() => planRelease([{ sku: 'AAA-1', quantity: 2 }], [stock('AAA-1', 1, 1, 1)])).toThrow(
      StockInvariantError,
    );
    expect(() => planRelease([{ sku: 'AAA-1', quantity: 2 }], [])).toThrow(/no longer exists/);
  });
});

describe('stock helpers', () => {
  it('locks SKUs once each, in sorted order', () => {
    expect(
      lockOrder([
        { sku: 'CCC-1', quantity: 1 },
        { sku: 'AAA-1', quantity: 1 },
        { sku: 'CCC-1', quantity: 2 },
      ]),
    ).toEqual(['AAA-1', 'CCC-1']);
    expect(
      mergeLines([
        { sku: 'CCC-1', quantity: 1 },
        { sku: 'CCC-1', quantity: 2 },
      ]),
    ).toEqual([{ sku: 'CCC-1', quantity: 3 }]);
  });

  it('counts a level at or below the threshold as low', () => {
    expect(isLowStock(5, 5)).toBe(true);
    expect(isLowStock(6, 5)).toBe(false);
    expect(isLowStock(0, 0)).toBe(true);
  });
});

describe('money', () => {
  it('works in cents and prints two decimals', () => {
    expect(toCents(19.99)).toBe(1999);
    expect(toCents(0.1 + 0.2)).toBe(30);
    expect(formatMoney(19.9)).toBe('19.90');
    expect(parseMoney('19.90')).toBe(19.9);
    expect(() => parseMoney('abc')).toThrow(RangeError);
  });
});

describe('cursor', () => {
  it('round-trips a key and refuses what it did not make', () => {
    expect(decodeCursor(encodeCursor('AAA-1'))).toBe('AAA-1');
    expect(decodeCursor('AAA-1')).toBeUndefined();
    expect(decodeCursor(Buffer.from('v1:').toString('base64url'))).toBeUndefined();
    expect(decodeCursor('not base64!')).toBeUndefined();
  });

  it('pages: the extra fetched item means a next page, keyed by the last item shown', () => {
    expect(page(['a', 'b', 'c'], 2, (s) => s)).toEqual({ items: ['a', 'b'], nextCursor: encodeCursor('b') });
    expect(page(['a', 'b'], 2, (s) => s)).toEqual({ items: ['a', 'b'], nextCursor: null });
  });
});

describe('readEnv', () => {
  const valid = {
    NATS_URL: 'nats://127.0.0.1:4222',
    DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/inventory',
    MONGODB_URL: 'mongodb://127.0.0.1:27017/',
  };

  it('applies the defaults', () => {
    const env = readEnv(valid);
    expect(env).toMatchObject({
      PORT: 8002,
      MONGODB_DATABASE: 'inventory',
      LOW_STOCK_THRESHOLD: 5,
      LOG_LEVEL: 'info',
    });
    expect(env.FAULT_CRASH_AFTER_COMMIT).toBeUndefined();
    expect(
      readEnv({ ...valid, FAULT_CRASH_AFTER_COMMIT: 'inventory.reserved' }).FAULT_CRASH_AFTER_COMMIT,
    ).toBe('inventory.reserved');
  });

  it('names each missing or invalid variable', () => {
    let error: unknown;
    try {
      readEnv({ MONGODB_URL: 'http://x', PORT: 'eighty', LOW_STOCK_THRESHOLD: '-1', DATABASE_URL: ' ' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as EnvError).message;
    expect(message).toContain('NATS_URL is required');
    expect(message).toContain('DATABASE_URL is required');
    expect(message).toMatch(/MONGODB_URL must be a mongodb:\/\/ or mongodb\+srv:\/\/ URL/);
    expect(message).toMatch(/PORT: /);
    expect(message).toMatch(/LOW_STOCK_THRESHOLD: /);
  });
});
