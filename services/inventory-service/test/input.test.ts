import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, type HttpAnswer, sku } from './harness.js';

interface Problem {
  type: string;
  status: number;
  errors?: Array<{ path: string; message: string }>;
}

function expectInvalid(res: HttpAnswer<unknown>, path: string): void {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const problem = res.body as Problem;
  expect(problem.type).toBe('urn:problem-type:validation-error');
  expect(problem.errors?.map((e) => e.path)).toContain(path);
}

const cursorOf = (key: string) => Buffer.from(`v1:${key}`, 'utf8').toString('base64url');

/** Each class of input PostgreSQL or MongoDB cannot hold answers 400 naming the field, and stores nothing. */
describe('inventory-service input edges', () => {
  let h: Harness;
  const item = (over: Record<string, unknown>) => ({
    sku: sku('EDGE'),
    name: 'Edge',
    quantity: 1,
    unitPrice: 1,
    ...over,
  });

  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses text the databases cannot store: NUL and lone surrogates in a name', async () => {
    for (const name of ['Widget\u0000', '\ud800 Widget', 'Widget \udfff']) {
      const body = item({ name });
      expectInvalid(await h.http('POST', '/api/inventory', body), 'body.name');
      expect(await h.item(body.sku as string)).toBeUndefined();
    }
  });

  it('refuses quantities beyond a PostgreSQL integer', async () => {
    expectInvalid(await h.http('POST', '/api/inventory', item({ quantity: 2_147_483_648 })), 'body.quantity');
    expectInvalid(await h.http('POST', '/api/inventory', item({ quantity: 2 ** 53 })), 'body.quantity');
    expect((await h.http('POST', '/api/inventory', item({ quantity: 2_147_483_647 }))).status).toBe(201);
  });

  it('refuses money beyond numeric(12, 2): too large or finer than a cent', async () => {
    for (const unitPrice of [10_000_000_000, 1e300, 0.001, 19.999, -0.01]) {
      expectInvalid(await h.http('POST', '/api/inventory', item({ unitPrice })), 'body.unitPrice');
    }
    const top = await h.http<{ unitPrice: number }>(
      'POST',
      '/api/inventory',
      item({ unitPrice: 9_999_999_999.99 }),
    );
    expect(top.status).toBe(201);
    expect(top.body.unitPrice).toBe(9_999_999_999.99);
    expect((await h.http('POST', '/api/inventory', item({ unitPrice: 0.07 }))).status).toBe(201);
  });

  it('refuses cursors whose key is not a SKU (a NUL, an empty key, bytes that are not UTF-8)', async () => {
    for (const path of ['/api/inventory', '/api/stock-levels']) {
      expectInvalid(await h.http('GET', `${path}?cursor=djE6AA`), 'query.cursor');
      expectInvalid(await h.http('GET', `${path}?cursor=${cursorOf('SKU\u0000')}`), 'query.cursor');
      expectInvalid(
        await h.http('GET', `${path}?cursor=${Buffer.from([0x76, 0x31, 0x3a, 0xff]).toString('base64url')}`),
        'query.cursor',
      );
      expect((await h.http('GET', `${path}?cursor=${cursorOf('SKU-1')}`)).status).toBe(200);
    }
  });

  it('takes limit as a decimal integer literal only', async () => {
    for (const limit of ['0x10', '1e1', '0b11', '5.0', '+5', '05']) {
      expectInvalid(await h.http('GET', `/api/inventory?limit=${encodeURIComponent(limit)}`), 'query.limit');
      expectInvalid(
        await h.http('GET', `/api/stock-levels?limit=${encodeURIComponent(limit)}`),
        'query.limit',
      );
    }
    expect((await h.http('GET', '/api/inventory?limit=5')).status).toBe(200);
  });

  it('takes ids in their canonical lower-case spelling only', async () => {
    const created = await h.stock(sku('CASE'), 1);
    expectInvalid(await h.http('GET', `/api/inventory/${created.id.toUpperCase()}`), 'params.id');
    expect((await h.http('GET', `/api/inventory/${created.id}`)).status).toBe(200);
  });
});
