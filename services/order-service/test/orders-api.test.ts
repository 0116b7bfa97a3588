import { randomUUID } from 'node:crypto';
import { UserDeleted } from '@demo/contracts';
import { asServiceMongoUser } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  customer,
  deliver,
  get,
  type OrderJson,
  orderDocument,
  type Problem,
  placeOrder,
  post,
  type Suite,
  startSuite,
} from './helpers.js';

interface Page {
  items: OrderJson[];
  nextCursor: string | null;
}

const paths = (res: Answer<Problem>) => (res.body.errors ?? []).map((e) => e.path).sort();
const line = (sku: string, quantity = 1) => ({ sku, quantity });

describe('order-service HTTP API', () => {
  let suite: Suite;
  let userId: string;

  beforeAll(async () => {
    suite = await startSuite();
    userId = await customer(suite);
  });
  afterAll(async () => {
    await suite?.close();
  });

  describe('POST /api/orders', () => {
    it('stores a PENDING order with its orders.created event in the same document, and answers 201', async () => {
      const items = [line('SKU-1', 2), line('BOOK-42')];
      const res = await post<OrderJson>(suite, '/api/orders', { userId, items });

      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        userId,
        items,
        status: 'PENDING',
        createdAt: expect.any(String),
        updatedAt: res.body.createdAt,
      });
      expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
      expect(res.headers.get('location')).toBe(`/api/orders/${res.body.id}`);

      const doc = await orderDocument(suite, res.body.id);
      expect(doc).toMatchObject({ _id: res.body.id, userId, status: 'PENDING', items });
      // The event was written with the order (the relay may already have published it).
      expect(doc?.events).toEqual([expect.objectContaining({ subject: 'orders.created' })]);
    });

    it('answers 422 for a user the customer projection does not know, and stores nothing', async () => {
      const stranger = randomUUID();
      const res = await post<Problem & { userId: string }>(suite, '/api/orders', {
        userId: stranger,
        items: [line('SKU-1')],
      });
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 422, title: 'Unknown customer', userId: stranger });
      expect(await suite.db.collection('orders').countDocuments({ userId: stranger })).toBe(0);
    });

    it('answers 422 for a deleted user', async () => {
      const gone = await customer(suite);
      await deliver(suite, UserDeleted, { userId: gone, deletedAt: new Date().toISOString() });
      const res = await post<Problem>(suite, '/api/orders', { userId: gone, items: [line('SKU-1')] });
      expect(res.status).toBe(422);
      expect(res.body.detail).toMatch(/deleted/);
    });

    it('answers 400 listing every invalid field', async () => {
      const res = await post<Problem>(suite, '/api/orders', {
        userId: 'not-a-uuid',
        items: [line('lower case'), line('SKU-2', 0), line('SKU-3', 1.5)],
      });
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('urn:problem-type:validation-error');
      expect(paths(res)).toEqual([
        'body.items.0.sku',
        'body.items.1.quantity',
        'body.items.2.quantity',
        'body.userId',
      ]);
    });

    it.each([
      ['no items', { items: [] }, ['body.items']],
      ['51 items', { items: Array.from({ length: 51 }, (_, i) => line(`SKU-${i}`)) }, ['body.items']],
      ['a SKU twice', { items: [line('SKU-1'), line('SKU-1', 2)] }, ['body.items.1.sku']],
      ['an unknown field', { items: [line('SKU-1')], coupon: 'FREE' }, ['body']],
      ['no userId', { userId: undefined, items: [line('SKU-1')] }, ['body.userId']],
    ])('answers 400 for %s', async (_what, change, expected) => {
      const res = await post<Problem>(suite, '/api/orders', { userId, ...change });
      expect(res.status).toBe(400);
      expect(paths(res)).toEqual(expected);
    });

    it('accepts 50 items', async () => {
      const items = Array.from({ length: 50 }, (_, i) => line(`SKU-${i}`, i + 1));
      const res = await post<OrderJson>(suite, '/api/orders', { userId, items });
      expect(res.status).toBe(201);
      expect(res.body.items).toEqual(items);
    });

    it('answers 400 for malformed JSON', async () => {
      const res = await post<Problem>(suite, '/api/orders', '{"userId": ');
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('urn:problem-type:malformed-json');
    });

    it('answers 415 for a body that is not JSON', async () => {
      const res = await post<Problem>(suite, '/api/orders', 'userId=1', { 'content-type': 'text/plain' });
      expect(res.status).toBe(415);
    });

    it('answers 413 for an oversized body, and stores nothing', async () => {
      const before = await suite.db.collection('orders').countDocuments({ userId });
      const res = await post<Problem>(suite, '/api/orders', {
        userId,
        items: [line('SKU-1')],
        padding: 'x'.repeat(100 * 1024),
      });
      expect(res.status).toBe(413);
      expect(await suite.db.collection('orders').countDocuments({ userId })).toBe(before);
    });
  });

  describe('GET /api/orders/:id', () => {
    it('answers the order', async () => {
      const placed = await placeOrder(suite, userId, [line('SKU-9', 3)]);
      const res = await get<OrderJson>(suite, `/api/orders/${placed.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(placed);
    });

    it('answers 404 for an unknown id', async () => {
      const id = randomUUID();
      const res = await get<Problem>(suite, `/api/orders/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.detail).toContain(id);
    });

    it('answers 400 for an id that is not a uuid', async () => {
      const res = await get<Problem>(suite, '/api/orders/42');
      expect(res.status).toBe(400);
      expect(paths(res)).toEqual(['params.id']);
    });
  });

  describe('GET /api/orders', () => {
    it('pages through a user’s orders, newest first, with an opaque cursor', async () => {
      const shopper = await customer(suite);
      const placed: OrderJson[] = [];
      for (let i = 0; i < 5; i++) placed.push(await placeOrder(suite, shopper, [line(`SKU-${i}`)]));
      const newestFirst = placed.map((o) => o.id).reverse();

      const first = await get<Page>(suite, `/api/orders?userId=${shopper}&limit=2`);
      expect(first.status).toBe(200);
      expect(first.body.items.map((o) => o.id)).toEqual(newestFirst.slice(0, 2));
      expect(first.body.items[0]).toEqual(placed[4]);
      expect(first.body.nextCursor).toEqual(expect.any(String));

      const second = await get<Page>(
        suite,
        `/api/orders?userId=${shopper}&limit=2&cursor=${first.body.nextCursor}`,
      );
      expect(second.body.items.map((o) => o.id)).toEqual(newestFirst.slice(2, 4));

      const third = await get<Page>(
        suite,
        `/api/orders?userId=${shopper}&limit=2&cursor=${second.body.nextCursor}`,
      );
      expect(third.body.items.map((o) => o.id)).toEqual(newestFirst.slice(4));
      expect(third.body.nextCursor).toBeNull();
    });

    it('answers 20 orders when no limit is given', async () => {
      const shopper = await customer(suite);
      for (let i = 0; i < 21; i++) await placeOrder(suite, shopper);
      const res = await get<Page>(suite, `/api/orders?userId=${shopper}`);
      expect(res.body.items).toHaveLength(20);
      expect(res.body.items.every((o) => o.userId === shopper)).toBe(true);
      expect(res.body.nextCursor).toEqual(expect.any(String));
    });

    it('filters by status', async () => {
      const shopper = await customer(suite);
      const placed = await placeOrder(suite, shopper);
      const pending = await get<Page>(suite, `/api/orders?userId=${shopper}&status=PENDING`);
      expect(pending.body).toEqual({ items: [placed], nextCursor: null });
      const confirmed = await get<Page>(suite, `/api/orders?userId=${shopper}&status=CONFIRMED`);
      expect(confirmed.body).toEqual({ items: [], nextCursor: null });
    });

    it('answers 400 for an invalid limit, status, user or cursor', async () => {
      const res = await get<Problem>(
        suite,
        '/api/orders?limit=101&status=SHIPPED&userId=nope&cursor=garbage',
      );
      expect(res.status).toBe(400);
      expect(paths(res)).toEqual(['query.cursor', 'query.limit', 'query.status', 'query.userId']);
      const zero = await get<Problem>(suite, '/api/orders?limit=0');
      expect(paths(zero)).toEqual(['query.limit']);
    });
  });

  it('answers 405 with Allow for a method the path does not have', async () => {
    const res = await fetch(`${suite.service.url}/api/orders`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('POST');
  });

  describe('its MongoDB identity', () => {
    /** Counts the service's orders as the MongoDB user `service` has: the count, or the refusal. */
    const countAs = (service: 'order-service' | 'inventory-service') =>
      asServiceMongoUser(service, (client) =>
        client.db(suite.db.databaseName).collection('orders').countDocuments(),
      );

    it('keeps its documents in a database its own user made: that user reads them, inventory-service’s may not', async () => {
      expect((await post<OrderJson>(suite, '/api/orders', { userId, items: [line('SKU-OWN')] })).status).toBe(
        201,
      );
      // A database the service had made as anyone else would refuse order_service too.
      expect(await countAs('order-service')).toBeGreaterThan(0);
      if (process.env.MONGODB_SERVICE_USERS === 'local')
        expect(await countAs('inventory-service')).toMatch(/permission denied for table/);
      // Servers without the local users (FerretDB on SQLite, MongoDB without authorization) let anyone read.
      else expect(await countAs('inventory-service')).toBeGreaterThan(0);
    });
  });
});
