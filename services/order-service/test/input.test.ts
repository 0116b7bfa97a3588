import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  customer,
  get,
  type Problem,
  placeOrder,
  post,
  type Suite,
  startSuite,
} from './helpers.js';

const cursorOf = (createdAt: string, id: string) =>
  Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

function expectInvalid(res: Answer<unknown>, path: string): void {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const problem = res.body as Problem;
  expect(problem.type).toBe('urn:problem-type:validation-error');
  expect(problem.errors?.map((e) => e.path)).toContain(path);
}

/** Each class of input the service or the saga behind it cannot hold answers 400 naming the field. */
describe('order-service input edges', () => {
  let suite: Suite;
  let userId: string;

  beforeAll(async () => {
    suite = await startSuite();
    userId = await customer(suite);
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('refuses quantities beyond what inventory can count (a PostgreSQL integer)', async () => {
    for (const quantity of [2_147_483_648, 2 ** 53, 1e300]) {
      const res = await post(suite, '/api/orders', { userId, items: [{ sku: 'SKU-1', quantity }] });
      expectInvalid(res, 'body.items.0.quantity');
    }
    const max = await post(suite, '/api/orders', {
      userId,
      items: [{ sku: 'SKU-1', quantity: 2_147_483_647 }],
    });
    expect(max.status).toBe(201);
  });

  it('refuses text it cannot store: NUL or a lone surrogate in a SKU', async () => {
    for (const sku of ['SKU\u0000-1', 'SKU-\ud800']) {
      expectInvalid(
        await post(suite, '/api/orders', { userId, items: [{ sku, quantity: 1 }] }),
        'body.items.0.sku',
      );
    }
  });

  it('takes ids in their canonical lower-case spelling, in the body, the query and the path', async () => {
    const upper = userId.toUpperCase();
    expectInvalid(
      await post(suite, '/api/orders', { userId: upper, items: [{ sku: 'SKU-1', quantity: 1 }] }),
      'body.userId',
    );
    expectInvalid(await get(suite, `/api/orders?userId=${upper}`), 'query.userId');
    const order = await placeOrder(suite, userId);
    expectInvalid(await get(suite, `/api/orders/${order.id.toUpperCase()}`), 'params.id');
    expect((await get(suite, `/api/orders/${order.id}`)).status).toBe(200);
  });

  it('refuses cursors with a time outside what it issues, or a non-canonical id', async () => {
    const id = '5b0c6c1e-3f4e-4d39-9a57-2f1f3f2b8c11';
    for (const at of [
      '0000-01-01T00:00:00.000Z',
      '-271821-04-20T00:00:00.000Z',
      '+275760-09-13T00:00:00.000Z',
    ]) {
      expectInvalid(await get(suite, `/api/orders?cursor=${cursorOf(at, id)}`), 'query.cursor');
    }
    expectInvalid(
      await get(suite, `/api/orders?cursor=${cursorOf('2026-11-24T10:00:00.000Z', `\u0000${id}`)}`),
      'query.cursor',
    );
    expect((await get(suite, `/api/orders?cursor=${cursorOf('2026-11-24T10:00:00.000Z', id)}`)).status).toBe(
      200,
    );
  });

  it('takes limit as a decimal integer literal only', async () => {
    for (const limit of ['0x10', '1e1', '0b11', '5.0', '+5', '05']) {
      expectInvalid(await get(suite, `/api/orders?limit=${encodeURIComponent(limit)}`), 'query.limit');
    }
    expect((await get(suite, '/api/orders?limit=5')).status).toBe(200);
  });
});
