import { randomUUID } from 'node:crypto';
import { silentLogger } from '@demo/bus';
import { UserCreated, UserDeleted } from '@demo/contracts';
import { serviceMongoEnv, testServers, uniqueName } from '@demo/infra';
import { counter } from '@demo/telemetry';
import { type Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomersRepository } from '../src/db/customers-repository.js';
import { DocumentLocks } from '../src/db/document-locks.js';
import { OrdersRepository } from '../src/db/orders-repository.js';
import { PendingEventsLog } from '../src/db/pending-events.js';
import { collections, ensureIndexes } from '../src/db/schema.js';
import { keyedOrderId, requestFingerprint } from '../src/domain/idempotency.js';
import { OrderSaga } from '../src/events/order-saga.js';
import {
  type Answer,
  customer,
  deliver,
  eventually,
  get,
  type OrderJson,
  orderDocument,
  outboxesDrained,
  type Problem,
  post,
  publishedFor,
  type Suite,
  startSuite,
} from './helpers.js';
import { type ReplyCutProxy, startReplyCutProxy } from './reply-cut.js';

const line = (sku: string, quantity = 1) => ({ sku, quantity });
const place = <T = OrderJson>(suite: Suite, body: unknown, key?: string) =>
  post<T>(suite, '/api/orders', body, key === undefined ? {} : { 'idempotency-key': key });
const ordersOf = (suite: Suite, userId: string) => suite.db.collection('orders').countDocuments({ userId });

/** The answer a client compares: status, Location and body. */
const seen = (res: Answer<OrderJson>) => ({
  status: res.status,
  location: res.headers.get('location'),
  body: res.body,
});

describe('POST /api/orders with an Idempotency-Key', () => {
  let suite: Suite;

  beforeAll(async () => {
    suite = await startSuite();
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('stores the key and the request’s fingerprint with the order, in its own document', async () => {
    const userId = await customer(suite);
    const key = randomUUID();
    const body = { userId, items: [line('SKU-1', 2)] };
    const res = await place(suite, body, key);

    expect(res.status).toBe(201);
    expect(res.body.id).toBe(keyedOrderId(userId, key));
    expect(res.headers.get('location')).toBe(`/api/orders/${res.body.id}`);
    expect(res.body).not.toHaveProperty('idempotency');
    const doc = await orderDocument(suite, res.body.id);
    expect(doc).toMatchObject({
      userId,
      status: 'PENDING',
      idempotency: { key, fingerprint: requestFingerprint(body) },
      events: [expect.objectContaining({ subject: 'orders.created' })],
    });
  });

  it('answers a retry with the same order, Location and status, and places nothing more', async () => {
    const userId = await customer(suite);
    const key = randomUUID();
    const body = { userId, items: [line('SKU-1', 2), { sku: 'BOOK-42', quantity: 1, unitPrice: 12.5 }] };
    const first = await place(suite, body, key);
    expect(first.status).toBe(201);
    // The same body as another client library might write it: members in another order.
    const reordered = `{"items":[{"quantity":2,"sku":"SKU-1"},{"unitPrice":12.5,"sku":"BOOK-42","quantity":1}],"userId":"${userId}"}`;
    const retries = [await place(suite, body, key), await place(suite, reordered, key)];

    for (const retry of retries) expect(seen(retry)).toEqual(seen(first));
    expect(await ordersOf(suite, userId)).toBe(1);
    await outboxesDrained(suite);
    expect(await publishedFor(suite, 'orders.created', first.body.id)).toHaveLength(1);
    expect((await orderDocument(suite, first.body.id))?.events).toHaveLength(1);
  });

  it('answers the order as it is now: a retry after the user was deleted finds it cancelled', async () => {
    const userId = await customer(suite);
    const key = randomUUID();
    const body = { userId, items: [line('SKU-1')] };
    const first = await place(suite, body, key);
    await deliver(suite, UserDeleted, {
      userId,
      deletedAt: new Date().toISOString(),
    });

    const retry = await place(suite, body, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('location')).toBe(`/api/orders/${first.body.id}`);
    expect(retry.body).toMatchObject({ id: first.body.id, status: 'CANCELLED', reason: 'user_deleted' });
    expect(retry.body).toEqual((await get<OrderJson>(suite, `/api/orders/${first.body.id}`)).body);
  });

  it('answers 422 when the key comes back with another body, and places nothing', async () => {
    const userId = await customer(suite);
    const key = randomUUID();
    const first = await place(suite, { userId, items: [line('SKU-1')] }, key);
    expect(first.status).toBe(201);

    for (const other of [
      { userId, items: [line('SKU-1', 2)] },
      { userId, items: [line('SKU-2')] },
      { userId, items: [{ ...line('SKU-1'), unitPrice: 1 }] },
    ]) {
      const res = await place<Problem>(suite, other, key);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: 422,
        type: 'urn:problem-type:idempotency-key-reused',
        title: 'Idempotency-Key already used',
      });
    }
    expect(await ordersOf(suite, userId)).toBe(1);
    expect((await orderDocument(suite, first.body.id))?.events).toHaveLength(1);
  });

  it('keeps keys apart per user: the same key of another user places that user’s order', async () => {
    const [ada, grace] = [await customer(suite), await customer(suite)];
    const key = randomUUID();
    const a = await place(suite, { userId: ada, items: [line('SKU-1')] }, key);
    const g = await place(suite, { userId: grace, items: [line('SKU-1')] }, key);
    expect([a.status, g.status]).toEqual([201, 201]);
    expect(g.body.id).not.toBe(a.body.id);
    expect(g.body.userId).toBe(grace);
  });

  it('places one order for concurrent requests with one key; every one answers it', async () => {
    const userId = await customer(suite);
    const key = randomUUID();
    const body = { userId, items: [line('SKU-1', 3)] };
    const answers = await Promise.all(Array.from({ length: 12 }, () => place(suite, body, key)));

    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    expect(new Set(answers.map((a) => a.body.id))).toEqual(new Set([keyedOrderId(userId, key)]));
    expect(new Set(answers.map((a) => a.headers.get('location'))).size).toBe(1);
    expect(await ordersOf(suite, userId)).toBe(1);
    await outboxesDrained(suite);
    expect(await publishedFor(suite, 'orders.created', keyedOrderId(userId, key))).toHaveLength(1);
  });

  it('lets a request that placed nothing be sent again under its key', async () => {
    const userId = randomUUID();
    const key = randomUUID();
    const body = { userId, items: [line('SKU-1')] };
    expect((await place<Problem>(suite, body, key)).status).toBe(422); // not a customer yet
    await deliver(suite, UserCreated, {
      userId,
      email: `${userId.slice(0, 8)}@example.com`,
      name: 'Late Comer',
      createdAt: new Date().toISOString(),
    });
    const res = await place(suite, body, key);
    expect(res.status).toBe(201);
    expect(res.body.id).toBe(keyedOrderId(userId, key));
  });

  it('without the header, places a new order every time, as before', async () => {
    const userId = await customer(suite);
    const body = { userId, items: [line('SKU-1')] };
    const [a, b] = [await place(suite, body), await place(suite, body)];
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    for (const { body: order } of [a, b]) {
      expect(order.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(await orderDocument(suite, order.id)).not.toHaveProperty('idempotency');
    }
    expect(await ordersOf(suite, userId)).toBe(2);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a space inside', 'two words'],
    ['a tab inside', 'tab\there'],
    ['a character outside ASCII', 'clé'],
  ])('answers 400 naming the header for a key that is %s, and places nothing', async (_what, key) => {
    const userId = await customer(suite);
    const res = await place<Problem>(suite, { userId, items: [line('SKU-1')] }, key);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe('urn:problem-type:validation-error');
    expect(res.body.errors).toEqual([
      { path: 'headers.idempotency-key', message: 'must be 1 to 255 visible ASCII characters' },
    ]);
    expect(await ordersOf(suite, userId)).toBe(0);
  });

  it('accepts a key of 255 visible characters, quoted as the draft writes it or not', async () => {
    const userId = await customer(suite);
    for (const key of ['!'.repeat(255), `"${randomUUID()}"`]) {
      const res = await place(suite, { userId, items: [line('SKU-1')] }, key);
      expect(res.status).toBe(201);
      expect(res.body.id).toBe(keyedOrderId(userId, key));
    }
  });
});

/**
 * The case the key is for: the order is stored, but the connection drops before the service
 * hears so, and the client gets an error. Its retry must find that order, and the order must
 * still go through the saga once.
 */
describe('an order stored while its request failed', () => {
  let suite: Suite;
  let proxy: ReplyCutProxy;

  beforeAll(async () => {
    const { MONGODB_URL } = serviceMongoEnv('order-service');
    proxy = await startReplyCutProxy(MONGODB_URL ?? testServers().mongoUrl);
    suite = await startSuite({ MONGODB_URL: proxy.url });
  });
  afterAll(async () => {
    await suite?.close();
    await proxy?.close();
  });

  it('is answered to the retry under the same key, and announced once', { timeout: 60_000 }, async () => {
    const userId = await customer(suite);
    const key = randomUUID();
    const body = { userId, items: [line('SKU-1', 2)] };
    const lost = proxy.loseReplyTo('insert', 'orders');
    const failed = await place<Problem>(suite, body, key);
    await lost;
    expect(failed.status).toBe(503);
    const id = keyedOrderId(userId, key);
    expect(await orderDocument(suite, id)).toMatchObject({ status: 'PENDING' });

    const retry = await place(suite, body, key);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(id);
    expect(await ordersOf(suite, userId)).toBe(1);
    // The relay's sweep publishes the event of the order whose write the service never heard of.
    await eventually(
      'orders.created of the order',
      () => publishedFor(suite, 'orders.created', id),
      (events) => events.length > 0,
      30_000,
    );
    await outboxesDrained(suite);
    expect(await publishedFor(suite, 'orders.created', id)).toHaveLength(1);
  });
});

/**
 * Two instances of the service (each its own in-process serialization) racing one key: the
 * `_id` index lets one insert win; the other reads what it stored and answers it.
 */
describe('one key placed by two instances at once', () => {
  let client: MongoClient;
  let db: Db;
  let sagas: OrderSaga[];
  let customers: CustomersRepository;

  beforeAll(async () => {
    client = await new MongoClient(testServers().mongoUrl).connect();
    db = client.db(uniqueName('keyed_race'));
    const cols = collections(db);
    await ensureIndexes(cols);
    customers = new CustomersRepository(cols, new DocumentLocks());
    sagas = [0, 1].map(() => {
      const locks = new DocumentLocks();
      return new OrderSaga({
        orders: new OrdersRepository(cols, locks, new PendingEventsLog(cols, silentLogger), () => {}),
        customers: new CustomersRepository(cols, locks),
        outcomes: counter('test.orders'),
        logger: silentLogger,
      });
    });
  });
  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('stores one order; both answer it, the loser’s outbox intent is dropped', async () => {
    for (let trial = 0; trial < 10; trial++) {
      const userId = randomUUID();
      await customers.record({ userId, email: `${userId}@example.com`, name: 'Ada', createdAt: new Date() });
      const key = randomUUID();
      const input = { userId, items: [line('SKU-1')] };
      const idempotency = { key, fingerprint: requestFingerprint(input) };
      const placed = await Promise.all(
        sagas.flatMap((saga) => [saga.place(input, idempotency), saga.place(input, idempotency)]),
      );
      expect(new Set(placed.map((o) => o.id))).toEqual(new Set([keyedOrderId(userId, key)]));
      expect(await db.collection('orders').countDocuments({ userId })).toBe(1);
      const doc = await db.collection('orders').findOne({ userId });
      const intents = await db
        .collection('outbox')
        .find({ orderId: keyedOrderId(userId, key) })
        .toArray();
      expect(intents.map((i) => i._id)).toEqual([doc?.events[0]?.id]);
    }
  });
});
