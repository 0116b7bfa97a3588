import { randomUUID } from 'node:crypto';
import { type PendingEvent, silentLogger } from '@demo/bus';
import { testServers, uniqueName } from '@demo/infra';
import { type CommandSucceededEvent, type Db, type Document, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentLocks } from '../src/db/document-locks.js';
import { OrdersRepository } from '../src/db/orders-repository.js';
import { MongoOutboxStore } from '../src/db/outbox-store.js';
import { PendingEventsLog } from '../src/db/pending-events.js';
import { type Collections, collections, ensureIndexes, type OrderDocument } from '../src/db/schema.js';
import { type Order, type OrderEvent, placeOrder, type Transition, transition } from '../src/domain/order.js';

/** What one store call sent to the server: each command's collection and filter, and the documents it got back. */
interface Traffic {
  commands: Array<{ name: string; collection: string; filter: Document | undefined }>;
  documentsReturned: number;
}

/** A new order as the domain places it, with its `orders.created`. */
function placed(now: Date): { order: Order; event: OrderEvent } {
  return placeOrder({ id: randomUUID(), userId: randomUUID(), items: [{ sku: 'SKU-1', quantity: 1 }], now });
}

function order(now: Date, status: Order['status'] = 'PENDING'): Order {
  return {
    id: randomUUID(),
    userId: randomUUID(),
    items: [{ sku: 'SKU-1', quantity: 1 }],
    status,
    createdAt: now,
    updatedAt: now,
  };
}

function event(orderId: string, now: Date): PendingEvent {
  return {
    id: randomUUID(),
    subject: 'orders.created',
    data: {
      orderId,
      userId: randomUUID(),
      items: [{ sku: 'SKU-1', quantity: 1 }],
      createdAt: now.toISOString(),
    },
    traceContext: {},
    createdAt: now,
  };
}

/** A settled order as the relay leaves it: its events published, none pending. */
function settledDoc(now: Date): OrderDocument {
  const o = order(now, 'CONFIRMED');
  return {
    _id: o.id,
    userId: o.userId,
    items: o.items,
    status: o.status,
    createdAt: now,
    updatedAt: now,
    events: [{ ...event(o.id, now), createdAt: now }],
  };
}

describe('outbox store on the MongoDB-protocol server', () => {
  let client: MongoClient;
  let db: Db;
  let cols: Collections;
  const seen: CommandSucceededEvent[] = [];
  const started = new Map<number, { name: string; collection: string; filter: Document | undefined }>();

  beforeAll(async () => {
    client = await new MongoClient(testServers().mongoUrl, { monitorCommands: true }).connect();
    db = client.db(uniqueName('outbox_store'));
    cols = collections(db);
    await ensureIndexes(cols);
    client.on('commandStarted', (e) => {
      const body = e.command as Document;
      const collection = String(body[e.commandName] ?? '');
      const filter = (body.filter ?? body.deletes?.[0]?.q ?? body.q) as Document | undefined;
      started.set(e.requestId, { name: e.commandName, collection, filter });
    });
    client.on('commandSucceeded', (e) => seen.push(e));
  });
  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  /** Runs `work` and reports the commands it sent and how many documents came back. */
  async function traffic(work: () => Promise<unknown>): Promise<Traffic> {
    seen.length = 0;
    await work();
    const commands = seen.flatMap((e) => {
      const s = started.get(e.requestId);
      return s ? [s] : [];
    });
    const documentsReturned = seen.reduce((sum, e) => {
      const cursor = (e.reply as { cursor?: { firstBatch?: unknown[]; nextBatch?: unknown[] } }).cursor;
      return sum + (cursor?.firstBatch?.length ?? 0) + (cursor?.nextBatch?.length ?? 0);
    }, 0);
    return { commands, documentsReturned };
  }

  /** Writes `pendingCount` orders through the repository (intent, then order) over `settledCount` settled ones. */
  async function seed(settledCount: number, pendingCount: number): Promise<string[]> {
    await cols.orders.deleteMany({});
    await cols.outbox.deleteMany({});
    const now = new Date(Date.now() - 1_000);
    for (let i = 0; i < settledCount; i += 500) {
      await cols.orders.insertMany(
        Array.from({ length: Math.min(500, settledCount - i) }, () => settledDoc(now)),
      );
    }
    const ids: string[] = [];
    const repository = new OrdersRepository(
      cols,
      new DocumentLocks(),
      new PendingEventsLog(cols, silentLogger),
      (events) => ids.push(...events.map((e) => e.id)),
    );
    for (let i = 0; i < pendingCount; i += 1) {
      const { order: o, event: e } = placed(now);
      await repository.insert(o, e);
    }
    return ids;
  }

  async function sweepAndMark(): Promise<{ found: string[]; read: Traffic; marked: Traffic }> {
    // A store made now: the intents above predate it, as after a crash and restart.
    const store = new MongoOutboxStore(cols, { logger: silentLogger });
    let found: string[] = [];
    const read = await traffic(async () => {
      found = (await store.pending(100)).map((e) => e.id);
    });
    const marked = await traffic(() => store.markPublished(found));
    return { found, read, marked };
  }

  it('finds and marks pending events reading only them and their orders by _id, at 1× and at 10× settled orders', async () => {
    const small = await seed(200, 10);
    const atSmall = await sweepAndMark();
    expect(atSmall.found.sort()).toEqual([...small].sort());
    expect(await cols.outbox.countDocuments({})).toBe(0);

    const large = await seed(2_000, 10);
    const atLarge = await sweepAndMark();
    expect(atLarge.found.sort()).toEqual([...large].sort());
    expect(await cols.outbox.countDocuments({})).toBe(0);

    for (const { read, marked } of [atSmall, atLarge]) {
      // Orders are only ever looked up by their _id; the mark touches the outbox collection alone.
      for (const c of read.commands.filter((c) => c.collection === 'orders')) {
        expect(c).toMatchObject({ name: 'find', filter: { _id: expect.any(String) } });
        expect(Object.keys(c.filter ?? {})).toEqual(['_id']);
      }
      expect(marked.commands.map((c) => c.collection)).toEqual(['outbox']);
    }
    // Ten times the settled orders, the same documents read: the 10 intents and their 10 orders.
    expect(atSmall.read.documentsReturned).toBe(20);
    expect(atLarge.read.documentsReturned).toBe(20);
    expect(atLarge.read.commands.length).toBe(atSmall.read.commands.length);
  });

  it('looks orders up by a filter the server pushes down (FerretDB explain)', async () => {
    const [doc] = await cols.orders.find({}).limit(1).toArray();
    const plan = (await cols.orders.find({ _id: String(doc?._id) }).explain()) as Document;
    // FerretDB reports whether it handed the filter to its backend; MongoDB reports the plan stage.
    if ('filterPushdown' in plan) expect(plan.filterPushdown).toBe(true);
    else
      expect(JSON.stringify(plan.queryPlanner?.winningPlan)).toMatch(
        /IDHACK|EXPRESS_IXSCAN|IXSCAN|CLUSTERED/,
      );
  });

  it('publishes nothing for an intent whose order write never happened, and drops it once abandoned', async () => {
    await seed(10, 0);
    const now = Date.now();
    const ghost = { _id: randomUUID(), orderId: randomUUID(), createdAt: new Date(now - 120_000) };
    const young = { _id: randomUUID(), orderId: randomUUID(), createdAt: new Date(now - 1_000) };
    await cols.outbox.insertMany([ghost, young]);
    const store = new MongoOutboxStore(cols, { logger: silentLogger, abandonMs: 60_000 });
    expect(await store.pending(100)).toEqual([]);
    expect((await cols.outbox.find({}).toArray()).map((d) => d._id)).toEqual([young._id]);
  });

  it('keeps the event of a guarded change that did not apply out of the outbox', async () => {
    await seed(0, 0);
    const committed: string[] = [];
    const repository = new OrdersRepository(
      cols,
      new DocumentLocks(),
      new PendingEventsLog(cols, silentLogger),
      (events) => committed.push(...events.map((e) => e.id)),
    );
    const now = new Date();
    const { order: o, event: created } = placed(now);
    await repository.insert(o, created);
    const change = transition(o, { type: 'user-deleted' }) as Transition;
    expect(await repository.apply(o.id, change, now)).not.toBeNull();
    // The same change again: its guard (PENDING) no longer holds, nothing is written or announced.
    expect(await repository.apply(o.id, change, now)).toBeNull();
    expect(committed).toHaveLength(2);
    const left = (await cols.outbox.find({}).toArray()).map((d) => d._id);
    expect(left).toHaveLength(2);
    expect(left.sort()).toEqual([...committed].sort());
  });
});
