import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyFailure, silentLogger } from '@demo/bus';
import { freePort, startFerretDb, stopFerretDb, stopProcess, testServers, uniqueName } from '@demo/infra';
import { counter } from '@demo/telemetry';
import { type CommandStartedEvent, type Db, type Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomersRepository } from '../src/db/customers-repository.js';
import { DocumentLocks } from '../src/db/document-locks.js';
import { OrdersRepository } from '../src/db/orders-repository.js';
import { PendingEventsLog } from '../src/db/pending-events.js';
import { SagaDeadlines } from '../src/db/saga-deadlines.js';
import { collections, ensureIndexes } from '../src/db/schema.js';
import { requestFingerprint } from '../src/domain/idempotency.js';
import { OrderSaga } from '../src/events/order-saga.js';

/**
 * What an order costs order-service's MongoDB, counted with the driver's command monitoring:
 * the commands a placement and a confirmation send, alone and when many orders come at once.
 * The budget is written down here so that it cannot grow back unnoticed.
 */
describe('MongoDB commands an order costs', () => {
  let client: MongoClient;
  let db: Db;
  let saga: OrderSaga;
  let customers: CustomersRepository;
  let announced = 0;
  const sent: string[] = [];

  beforeAll(async () => {
    client = await new MongoClient(testServers().mongoUrl, { monitorCommands: true }).connect();
    db = client.db(uniqueName('round_trips'));
    const cols = collections(db);
    await ensureIndexes(cols);
    const deadlines = new SagaDeadlines(db);
    await deadlines.ensureIndexes();
    const locks = new DocumentLocks();
    customers = new CustomersRepository(cols, locks);
    const orders = new OrdersRepository(cols, locks, new PendingEventsLog(cols, silentLogger), (events) => {
      announced += events.length;
    });
    saga = new OrderSaga({
      orders,
      customers,
      outcomes: counter('test.orders'),
      logger: silentLogger,
      deadlines,
    });
    client.on('commandStarted', (e: CommandStartedEvent) => {
      const body = e.command as Document;
      sent.push(`${e.commandName} ${String(body[e.commandName] ?? '')}`);
    });
  });
  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  async function customer(): Promise<string> {
    const userId = randomUUID();
    await customers.record({ userId, email: `${userId}@example.com`, name: 'Ada', createdAt: new Date() });
    return userId;
  }

  /** The commands `work` sent (and those it left running: the deadline's clear), sorted. */
  async function commands(work: () => Promise<unknown>): Promise<string[]> {
    sent.length = 0;
    await work();
    await new Promise((resolve) => setTimeout(resolve, 200));
    return [...sent].sort();
  }

  const place = (userId: string) => saga.place({ userId, items: [{ sku: 'SKU-1', quantity: 1 }] });

  it('places an order with four commands, the first of a customer with five', async () => {
    const userId = await customer();
    // The customer is read before the order and again after it (a deletion meanwhile cancels it).
    expect(await commands(() => place(userId))).toEqual([
      'find customers',
      'find customers',
      'insert orders',
      'insert outbox',
      'insert saga_deadlines',
    ]);
    // Read here a moment ago, the customer is not read again before the next order.
    expect(await commands(() => place(userId))).toEqual([
      'find customers',
      'insert orders',
      'insert outbox',
      'insert saga_deadlines',
    ]);
  });

  it('places under an idempotency key with one read of the order more; a retry is that read alone', async () => {
    const input = { userId: await customer(), items: [{ sku: 'SKU-1', quantity: 1 }] };
    const idempotency = { key: randomUUID(), fingerprint: requestFingerprint(input) };
    const before = announced;
    expect(await commands(() => saga.place(input, idempotency))).toEqual([
      'find customers',
      'find customers',
      'find orders',
      'insert orders',
      'insert outbox',
      'insert saga_deadlines',
    ]);
    expect(await commands(() => saga.place(input, idempotency))).toEqual(['find orders']);
    expect(announced).toBe(before + 1);
  });

  it('confirms an order it placed with three: the intent, one guarded findAndModify, the deadline’s clear', async () => {
    const order = await place(await customer());
    const before = announced;
    expect(await commands(() => saga.advance(order.id, { type: 'stock-reserved', total: 5 }))).toEqual([
      'delete saga_deadlines',
      'findAndModify orders',
      'insert outbox',
    ]);
    expect(announced).toBe(before + 1);
    // A redelivery: the order is read (it moved), nothing is written.
    expect(await commands(() => saga.advance(order.id, { type: 'stock-reserved', total: 5 }))).toEqual([
      'find orders',
    ]);
    expect(announced).toBe(before + 1);
  });

  it('shares the intents’ and deadlines’ writes between orders that come together', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => customer()));
    await Promise.all(users.map(place)); // the customers are read here once
    const count = 50;
    let placed: Array<{ id: string }> = [];
    const placing = await commands(async () => {
      placed = await Promise.all(
        Array.from({ length: count }, (_, i) => place(users[i % users.length] ?? '')),
      );
    });
    const confirming = await commands(() =>
      Promise.all(placed.map((o) => saga.advance(o.id, { type: 'stock-reserved', total: 5 }))),
    );
    const of = (list: string[], command: string) => list.filter((c) => c === command).length;
    // One insert and one read after it per order; the intents and deadlines in a few shared
    // commands (before they were shared, and with the order read before each change: 4 and 3 an order).
    expect(of(placing, 'insert orders')).toBe(count);
    expect(of(placing, 'find customers')).toBe(count);
    expect(of(placing, 'insert outbox')).toBeLessThanOrEqual(count / 5);
    expect(of(placing, 'insert saga_deadlines')).toBeLessThanOrEqual(count / 5);
    expect(placing.length).toBeLessThanOrEqual(2.4 * count);
    expect(of(confirming, 'findAndModify orders')).toBe(count);
    expect(of(confirming, 'find orders')).toBe(0);
    expect(of(confirming, 'insert outbox')).toBeLessThanOrEqual(count / 5);
    // Cleared as each order settles, the clears of orders settling meanwhile together.
    expect(of(confirming, 'delete saga_deadlines')).toBeLessThanOrEqual(count / 2);
    expect(confirming.length).toBeLessThanOrEqual(1.7 * count);
  });

  it('fails the shared writes with an error the consumer retries (transient) while MongoDB is away', {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-outage-'));
    const server = await startFerretDb({ dir, port: await freePort(), backend: 'sqlite' });
    const own = await new MongoClient(server.url, { serverSelectionTimeoutMS: 1_000 }).connect();
    try {
      const cols = collections(own.db('outage'));
      const intents = new PendingEventsLog(cols, silentLogger);
      const deadlines = new SagaDeadlines(own.db('outage'));
      const event = { id: randomUUID(), subject: 'orders.created', data: {}, traceContext: {} };
      await intents.intend(randomUUID(), [event], new Date());
      await stopProcess(server.pid);
      // Every attempt, not only the first: the driver's bulk API (insertMany) reported the later
      // ones as a MongoBulkWriteError "connect ECONNREFUSED", an ordinary failure (dead letters).
      for (let attempt = 0; attempt < 3; attempt++) {
        const failures = await Promise.all([
          intents.intend(randomUUID(), [{ ...event, id: randomUUID() }], new Date()).catch((e: unknown) => e),
          deadlines.set(randomUUID(), new Date()).catch((e: unknown) => e),
        ]);
        for (const error of failures) expect(classifyFailure(error)).toBe('transient');
      }
    } finally {
      await own.close();
      await stopFerretDb(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
