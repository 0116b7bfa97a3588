import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryItem } from '../src/domain/item.js';
import { eventually, Harness, sku } from './harness.js';

type Item = InventoryItem;
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ path: string; message: string }>;
}
interface Level {
  sku: string;
  available: number;
  reserved: number;
  lowStock: boolean;
  updatedAt: string;
}

describe('inventory-service HTTP API', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start({ LOW_STOCK_THRESHOLD: '5' });
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('POST /api/inventory', () => {
    it('stocks a SKU: 201 with the item, and announces it as inventory.stock-changed (created)', async () => {
      const code = sku('NEW');
      const answer = await h.http<Item>('POST', '/api/inventory', {
        sku: code,
        name: 'Blue mug',
        quantity: 12,
        unitPrice: 19.99,
      });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({
        sku: code,
        name: 'Blue mug',
        available: 12,
        reserved: 0,
        unitPrice: 19.99,
      });
      expect(answer.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Date(answer.body.createdAt).toISOString()).toBe(answer.body.createdAt);
      expect(answer.headers.get('location')).toBe(`/api/inventory/${answer.body.id}`);

      await eventually('the stock-changed event', async () =>
        (await h.published('inventory.stock-changed')).some((e) => e.data.sku === code),
      );
      const events = (await h.published('inventory.stock-changed')).filter((e) => e.data.sku === code);
      expect(events.map((e) => e.data)).toEqual([
        { sku: code, available: 12, reserved: 0, change: 12, cause: 'created', version: 1 },
      ]);
    });

    it('accepts a zero quantity and a zero price', async () => {
      const answer = await h.http<Item>('POST', '/api/inventory', {
        sku: sku('FREE'),
        name: 'Sticker',
        quantity: 0,
        unitPrice: 0,
      });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({ available: 0, unitPrice: 0 });
    });

    it('answers 409 for a SKU that exists, and writes nothing', async () => {
      const code = sku('DUP');
      await h.stock(code, 1);
      const answer = await h.http<Problem & { sku: string }>('POST', '/api/inventory', {
        sku: code,
        name: 'Again',
        quantity: 5,
        unitPrice: 1,
      });
      expect(answer.status).toBe(409);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ status: 409, sku: code });
      expect(await h.item(code)).toEqual({ available: 1, reserved: 0 });
      await h.settled();
      const events = (await h.published('inventory.stock-changed')).filter((e) => e.data.sku === code);
      expect(events).toHaveLength(1);
    });

    it('answers 400 naming every invalid field', async () => {
      const answer = await h.http<Problem>('POST', '/api/inventory', {
        sku: 'lower-case',
        name: '',
        quantity: -1,
        unitPrice: 1.234,
        colour: 'blue',
      });
      expect(answer.status).toBe(400);
      expect(answer.body.type).toBe('urn:problem-type:validation-error');
      const paths = answer.body.errors?.map((e) => e.path) ?? [];
      expect(paths).toEqual(
        expect.arrayContaining(['body.sku', 'body.name', 'body.quantity', 'body.unitPrice', 'body']),
      );
    });

    it('answers 400 for a missing body and for fractional quantities', async () => {
      expect((await h.http('POST', '/api/inventory')).status).toBe(400);
      const answer = await h.http<Problem>('POST', '/api/inventory', {
        sku: sku(),
        name: 'Half',
        quantity: 1.5,
        unitPrice: 1,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.errors?.map((e) => e.path)).toEqual(['body.quantity']);
    });

    it('answers 400 for malformed JSON', async () => {
      const answer = await h.http<Problem>('POST', '/api/inventory', undefined, { raw: '{"sku": ' });
      expect(answer.status).toBe(400);
      expect(answer.body.type).toBe('urn:problem-type:malformed-json');
    });

    it('answers 415 for a body that is not JSON', async () => {
      const answer = await h.http<Problem>('POST', '/api/inventory', undefined, {
        raw: 'sku=ABC-1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(answer.status).toBe(415);
    });

    it('answers 413 for an oversized body', async () => {
      const answer = await h.http<Problem>('POST', '/api/inventory', {
        sku: sku(),
        name: 'x'.repeat(20_000),
        quantity: 1,
        unitPrice: 1,
      });
      expect(answer.status).toBe(413);
    });
  });

  describe('GET /api/inventory/:id', () => {
    it('answers the item', async () => {
      const code = sku('ONE');
      const created = await h.stock(code, 3, 2.5);
      const answer = await h.http<Item>('GET', `/api/inventory/${created.id}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        id: created.id,
        sku: code,
        available: 3,
        reserved: 0,
        unitPrice: 2.5,
      });
    });

    it('answers 404 for an unknown id and 400 for an id that is not a uuid', async () => {
      const missing = await h.http<Problem>('GET', `/api/inventory/${crypto.randomUUID()}`);
      expect(missing.status).toBe(404);
      expect(missing.body.status).toBe(404);
      const invalid = await h.http<Problem>('GET', '/api/inventory/not-a-uuid');
      expect(invalid.status).toBe(400);
      expect(invalid.body.errors?.map((e) => e.path)).toEqual(['params.id']);
    });
  });

  describe('GET /api/inventory', () => {
    it('pages through every item by SKU with limit and cursor', async () => {
      for (const code of ['PAGE-A', 'PAGE-B', 'PAGE-C']) await h.stock(code, 1);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
        const answer = await h.http<Page<Item>>('GET', `/api/inventory${query}`);
        expect(answer.status).toBe(200);
        expect(answer.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...answer.body.items.map((i) => i.sku));
        cursor = answer.body.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 100);
      expect(seen).toEqual([...seen].sort());
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(['PAGE-A', 'PAGE-B', 'PAGE-C']));
      const { rows } = await h.pg.query<{ n: string }>('select count(*) as n from inventory_items');
      expect(seen).toHaveLength(Number(rows[0]?.n));
    });

    it('defaults to 20 items', async () => {
      for (let i = 0; i < 21; i++) await h.stock(`BULK-${String(i).padStart(2, '0')}`, 1);
      const answer = await h.http<Page<Item>>('GET', '/api/inventory');
      expect(answer.body.items).toHaveLength(20);
      expect(answer.body.nextCursor).toEqual(expect.any(String));
    });

    it('answers 400 for a limit out of 1..100 and for a cursor it did not make', async () => {
      for (const query of ['limit=0', 'limit=101', 'limit=ten', 'cursor=bogus', 'cursor=', 'cursor=%2F%2F']) {
        const answer = await h.http<Problem>('GET', `/api/inventory?${query}`);
        expect(answer.status, query).toBe(400);
        expect(answer.body.errors?.[0]?.path, query).toMatch(/^query\.(limit|cursor)$/);
      }
    });
  });

  describe('GET /api/stock-levels', () => {
    it('shows each SKU from the MongoDB read model, with the low-stock flag, and filters on it', async () => {
      const low = sku('LOW');
      const plenty = sku('PLENTY');
      const edge = sku('EDGE');
      await h.stock(low, 2);
      await h.stock(plenty, 50);
      await h.stock(edge, 5);
      await h.settled();

      const all = await h.http<Page<Level>>('GET', '/api/stock-levels?limit=100');
      expect(all.status).toBe(200);
      const bySku = new Map(all.body.items.map((l) => [l.sku, l]));
      expect(bySku.get(low)).toMatchObject({ available: 2, reserved: 0, lowStock: true });
      expect(bySku.get(plenty)).toMatchObject({ available: 50, reserved: 0, lowStock: false });
      expect(bySku.get(edge)).toMatchObject({ available: 5, lowStock: true });
      expect(Number.isNaN(Date.parse(bySku.get(low)?.updatedAt ?? ''))).toBe(false);

      const lowOnly = await h.http<Page<Level>>('GET', '/api/stock-levels?lowStock=true&limit=100');
      expect(lowOnly.body.items.every((l) => l.lowStock)).toBe(true);
      expect(lowOnly.body.items.map((l) => l.sku)).toEqual(expect.arrayContaining([low, edge]));
      expect(lowOnly.body.items.map((l) => l.sku)).not.toContain(plenty);

      const notLow = await h.http<Page<Level>>('GET', '/api/stock-levels?lowStock=false&limit=100');
      expect(notLow.body.items.every((l) => !l.lowStock)).toBe(true);
      expect(notLow.body.items.map((l) => l.sku)).toContain(plenty);
    });

    it('pages with limit and cursor', async () => {
      await h.settled();
      const first = await h.http<Page<Level>>('GET', '/api/stock-levels?limit=1');
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await h.http<Page<Level>>(
        'GET',
        `/api/stock-levels?limit=1&cursor=${first.body.nextCursor}`,
      );
      expect(second.body.items).toHaveLength(1);
      expect((second.body.items[0]?.sku ?? '') > (first.body.items[0]?.sku ?? '')).toBe(true);
    });

    it('answers 400 for a lowStock flag that is not true or false, and for a bad limit', async () => {
      const flag = await h.http<Problem>('GET', '/api/stock-levels?lowStock=yes');
      expect(flag.status).toBe(400);
      expect(flag.body.errors?.map((e) => e.path)).toEqual(['query.lowStock']);
      expect((await h.http('GET', '/api/stock-levels?limit=1000')).status).toBe(400);
    });
  });

  describe('GET /api/stock-levels/:sku/movements', () => {
    it("lists a SKU's movements newest first", async () => {
      const code = sku('MOVE');
      await h.stock(code, 7);
      await h.settled();
      const answer = await h.http<Page<{ sku: string; change: number; cause: string; available: number }>>(
        'GET',
        `/api/stock-levels/${code}/movements`,
      );
      expect(answer.status).toBe(200);
      expect(answer.body.items).toEqual([
        expect.objectContaining({ sku: code, change: 7, cause: 'created', available: 7 }),
      ]);
      expect(answer.body.nextCursor).toBeNull();
      expect((await h.http('GET', '/api/stock-levels/bad%20sku/movements')).status).toBe(400);
    });
  });

  describe('probes and unknown routes', () => {
    it('is alive and ready (PostgreSQL, MongoDB, NATS and its consumers)', async () => {
      expect((await h.http('GET', '/health')).status).toBe(200);
      const ready = await h.http<{ status: string; checks: Record<string, { status: string }> }>(
        'GET',
        '/ready',
      );
      expect(ready.status).toBe(200);
      expect(Object.keys(ready.body.checks).sort()).toEqual(['mongodb', 'nats', 'postgres']);
    });

    it('answers 404 for an unknown route and 405 for a wrong method', async () => {
      expect((await h.http('GET', '/api/nothing')).status).toBe(404);
      const wrong = await h.http('DELETE', '/api/inventory');
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toContain('POST');
    });
  });
});
