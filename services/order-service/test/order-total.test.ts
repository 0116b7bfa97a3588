import { describe, expect, it } from 'vitest';
import { MAX_ORDER_TOTAL_CENTS, quotedTotalCents, totalOverflow } from '../src/domain/order-total.js';

describe('an order total at placement (numeric(14, 2) in inventory)', () => {
  it('sums quantity × quoted unitPrice exactly, in cents, and ignores unquoted lines', () => {
    expect(
      quotedTotalCents([
        { quantity: 3, unitPrice: 0.1 },
        { quantity: 2, unitPrice: 12.5 },
        { quantity: 7 },
        { quantity: 1, unitPrice: null },
      ]),
    ).toBe(2_530n);
    // Beyond what a double holds exactly: 2147483647 × 9999999999.99.
    expect(quotedTotalCents([{ quantity: 2_147_483_647, unitPrice: 9_999_999_999.99 }])).toBe(
      2_147_483_647n * 999_999_999_999n,
    );
  });

  it('accepts a total of exactly 999999999999.99 and refuses one cent more', () => {
    expect(MAX_ORDER_TOTAL_CENTS).toBe(99_999_999_999_999n);
    const exactly = [
      { quantity: 100, unitPrice: 9_999_999_999.99 },
      { quantity: 99, unitPrice: 0.01 },
    ];
    expect(quotedTotalCents(exactly)).toBe(MAX_ORDER_TOTAL_CENTS);
    expect(totalOverflow(exactly)).toBeUndefined();
    expect(totalOverflow([...exactly, { quantity: 5 }, { quantity: 1, unitPrice: 0.01 }])).toEqual({
      quotedTotal: '1000000000000.00',
      maxTotal: '999999999999.99',
      lines: [0, 1, 3],
    });
  });

  it('refuses the order of the report: 101 × 9999999999.99, naming the quoted lines only', () => {
    expect(totalOverflow([{ quantity: 1 }, { quantity: 101, unitPrice: 9_999_999_999.99 }])).toEqual({
      quotedTotal: '1009999999998.99',
      maxTotal: '999999999999.99',
      lines: [1],
    });
  });

  it('cannot judge lines without a quote: inventory prices and bounds those at reservation', () => {
    expect(
      totalOverflow([{ quantity: 2_147_483_647 }, { quantity: 2_147_483_647, unitPrice: null }]),
    ).toBeUndefined();
  });
});
