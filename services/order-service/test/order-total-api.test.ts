import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, customer, type Problem, post, type Suite, startSuite } from './helpers.js';

describe('POST /api/orders: a total inventory could never record', () => {
  let suite: Suite;
  let userId: string;

  beforeAll(async () => {
    suite = await startSuite();
    userId = await customer(suite);
  });

  afterAll(async () => {
    await suite?.close();
  });

  const stored = () => suite.db.collection('orders').countDocuments({ userId });

  it('answers 422 problem+json naming the quoted lines, and stores nothing', async () => {
    const res: Answer<Problem> = await post<Problem>(suite, '/api/orders', {
      userId,
      items: [
        { sku: 'SKU-CHEAP', quantity: 1 },
        { sku: 'SKU-DEAR', quantity: 101, unitPrice: 9_999_999_999.99 },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'urn:problem-type:order-total-too-large',
      title: 'Order total too large',
      status: 422,
      maxTotal: '999999999999.99',
    });
    expect(res.body.detail).toContain('1009999999998.99');
    expect(res.body.errors?.map((e) => e.path)).toEqual(['body.items.1.unitPrice']);
    expect(await stored()).toBe(0);
  });

  it('places an order whose quoted lines total exactly the most an order can', async () => {
    const res = await post<{ status: string }>(suite, '/api/orders', {
      userId,
      items: [
        { sku: 'SKU-A', quantity: 100, unitPrice: 9_999_999_999.99 },
        { sku: 'SKU-B', quantity: 99, unitPrice: 0.01 },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('PENDING');
    expect(await stored()).toBe(1);
  });
});
