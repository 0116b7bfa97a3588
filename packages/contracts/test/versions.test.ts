import { versionReader } from '@demo/bus';
import { describe, expect, it } from 'vitest';
import { IMPLIED_CURRENCY, OrderCreatedV1, OrderCreatedV2, orderCreatedV1toV2 } from '../src/index.js';
import { examples } from './examples.js';

const v1 = examples['orders.created.v1'];
const v2 = examples['orders.created.v2'];

describe('orders.created v1 → v2 upcaster', () => {
  it('keeps the lines, quotes no price (null) and names the implied currency', () => {
    expect(orderCreatedV1toV2(v1)).toEqual({
      orderId: v1.orderId,
      userId: v1.userId,
      items: [
        { sku: 'BOOK-001', quantity: 2, unitPrice: null },
        { sku: 'PEN-42', quantity: 1, unitPrice: null },
      ],
      currency: IMPLIED_CURRENCY,
      createdAt: v1.createdAt,
    });
  });

  it('gives data that v2 publishes strictly, and does not change its input', () => {
    const input = structuredClone(v1);
    expect(OrderCreatedV2.strictSchema.safeParse(orderCreatedV1toV2(input)).success).toBe(true);
    expect(input).toEqual(v1);
  });

  it('is the declared step of v2', () => {
    expect(OrderCreatedV2.upcastFrom?.from).toBe(OrderCreatedV1);
    expect(OrderCreatedV2.upcastFrom?.upcast(v1)).toEqual(orderCreatedV1toV2(v1));
    expect(OrderCreatedV1.upcastFrom).toBeUndefined();
  });
});

describe('orders.created across versions', () => {
  it('a v2 consumer reads v1 through the upcaster', () => {
    const read = versionReader(OrderCreatedV2);
    expect(read('orders.created.v1', v1)).toEqual({ ok: true, version: 1, data: orderCreatedV1toV2(v1) });
    expect(read('orders.created.v2', v2)).toEqual({ ok: true, version: 2, data: v2 });
  });

  it('a v1 consumer reads v2 as v1 (the new fields are dropped)', () => {
    const read = versionReader(OrderCreatedV1);
    expect(read('orders.created.v2', v2)).toEqual({
      ok: true,
      version: 2,
      data: {
        ...v1,
        items: [
          { sku: 'BOOK-001', quantity: 2 },
          { sku: 'PEN-42', quantity: 1 },
        ],
      },
    });
  });
});
