import { randomUUID } from 'node:crypto';
import { type PendingEvent, silentLogger } from '@demo/bus';
import { testServers, uniqueName } from '@demo/infra';
import { type Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentLocks } from '../src/db/document-locks.js';
import { OrdersRepository } from '../src/db/orders-repository.js';
import { MongoOutboxStore } from '../src/db/outbox-store.js';
import { PendingEventsLog } from '../src/db/pending-events.js';
import { collections, ensureIndexes, type OrderDocument } from '../src/db/schema.js';
import { placeOrder, transition } from '../src/domain/order.js';
import { type ReplyCutProxy, startReplyCutProxy } from './reply-cut.js';

/**
 * A write whose reply is lost (the connection drops after the server applied it) has an
 * outcome the service cannot know. Its event's intent must stay in the `outbox` collection, so
 * that the relay's sweep publishes the event if the order holds it: an order stored while the
 * client saw an error still goes through the saga.
 */
describe('a write whose reply is lost', () => {
  let direct: MongoClient;
  let proxied: MongoClient;
  let proxy: ReplyCutProxy;
  let db: Db;
  let orders: OrdersRepository;
  const committed: PendingEvent[] = [];

  beforeAll(async () => {
    const { mongoUrl } = testServers();
    const name = uniqueName('lost_replies');
    direct = await new MongoClient(mongoUrl).connect();
    db = direct.db(name);
    proxy = await startReplyCutProxy(mongoUrl);
    proxied = await new MongoClient(proxy.url, { serverSelectionTimeoutMS: 5_000 }).connect();
    const cols = collections(proxied.db(name));
    await ensureIndexes(cols);
    orders = new OrdersRepository(
      cols,
      new DocumentLocks(),
      new PendingEventsLog(cols, silentLogger),
      (events) => committed.push(...events),
    );
  });
  afterAll(async () => {
    await db?.dropDatabase();
    await proxied?.close();
    await proxy?.close();
    await direct?.close();
  });

  const stored = (id: string) => db.collection<OrderDocument>('orders').findOne({ _id: id });
  const intents = async () =>
    (await db.collection<{ _id: string }>('outbox').find({}).toArray()).map((intent) => intent._id);
  /** What the relay's sweep would publish now. */
  const swept = async () =>
    (await new MongoOutboxStore(collections(db), { logger: silentLogger, settleMs: 0 }).pending(100)).map(
      (event) => event.id,
    );

  it('keeps the intent of an order inserted without an answer, and the sweep publishes its event', async () => {
    const { order, event } = placeOrder({
      id: randomUUID(),
      userId: randomUUID(),
      items: [{ sku: 'SKU-1', quantity: 1 }],
      now: new Date(),
    });
    const lost = proxy.loseReplyTo('insert', 'orders');
    await expect(orders.insert(order, event)).rejects.toThrow();
    await lost;

    const doc = await stored(order.id);
    const eventId = doc?.events[0]?.id ?? 'none';
    expect(doc).toMatchObject({ _id: order.id, status: 'PENDING' });
    expect(committed.map((e) => e.id)).not.toContain(eventId);
    expect(await intents()).toContain(eventId);
    expect(await swept()).toContain(eventId);
  });

  it('keeps the intent of a change applied without an answer', async () => {
    const { order, event } = placeOrder({
      id: randomUUID(),
      userId: randomUUID(),
      items: [{ sku: 'SKU-1', quantity: 1 }],
      now: new Date(),
    });
    await orders.insert(order, event);
    const change = transition(order, { type: 'stock-reserved', total: 5 });
    if (change === null) throw new Error('a PENDING order confirms');

    const lost = proxy.loseReplyTo('findAndModify', 'orders');
    await expect(orders.apply(order.id, change, new Date())).rejects.toThrow();
    await lost;

    const doc = await stored(order.id);
    const confirmed = doc?.events.find((e) => e.subject === 'orders.confirmed')?.id ?? 'none';
    expect(doc?.status).toBe('CONFIRMED');
    expect(await intents()).toContain(confirmed);
    expect(await swept()).toContain(confirmed);
  });
});
