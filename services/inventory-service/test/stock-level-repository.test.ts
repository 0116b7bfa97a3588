import { randomUUID } from 'node:crypto';
import { testServers, uniqueName } from '@demo/infra';
import { type Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StockLevelRepository } from '../src/db/stock-level-repository.js';

/** The read model's ordering guard, against the real MongoDB-protocol server (FerretDB here). */
describe('StockLevelRepository', () => {
  let client: MongoClient;
  let db: Db;
  let repo: StockLevelRepository;

  beforeAll(async () => {
    client = await new MongoClient(testServers().mongoUrl).connect();
    db = client.db(uniqueName('inventory_read_model'));
    repo = new StockLevelRepository(db, 5);
    await repo.ensureIndexes();
  });
  afterAll(async () => {
    await db?.dropDatabase().catch(() => {});
    await client?.close();
  });

  const change = (available: number, reserved: number) => ({
    sku: 'ORDER-1',
    available,
    reserved,
    change: -1,
    cause: 'reserved' as const,
  });
  const meta = (streamSequence: number) => ({
    eventId: randomUUID(),
    streamSequence,
    time: new Date(1_000 * streamSequence),
  });

  it('applies a newer change and ignores an older one that arrives late', async () => {
    expect(await repo.apply(change(8, 2), meta(10))).toBe(true);
    expect(await repo.apply(change(9, 1), meta(7))).toBe(false);
    expect(await repo.apply(change(8, 2), meta(10))).toBe(false);
    expect(await repo.list({ limit: 10 })).toEqual([
      {
        sku: 'ORDER-1',
        available: 8,
        reserved: 2,
        lowStock: false,
        updatedAt: new Date(10_000).toISOString(),
      },
    ]);

    expect(await repo.apply(change(5, 5), meta(11))).toBe(true);
    expect((await repo.list({ limit: 10, lowStock: true })).map((l) => l.available)).toEqual([5]);
    expect(await repo.list({ limit: 10, lowStock: false })).toEqual([]);
  });

  it('keeps every movement once, late ones included, newest first by stream sequence', async () => {
    const movements = await repo.movementsOf('ORDER-1', { limit: 10 });
    expect(movements.map((m) => m.seq)).toEqual([11, 10, 10, 7]);
    expect((await repo.movementsOf('ORDER-1', { limit: 10, beforeSeq: 10 })).map((m) => m.seq)).toEqual([7]);
  });

  it('records a movement once per event id', async () => {
    const once = { ...meta(20), eventId: randomUUID() };
    await repo.apply({ ...change(4, 6), sku: 'ONCE-1' }, once);
    await repo.apply({ ...change(4, 6), sku: 'ONCE-1' }, once);
    expect(await repo.movementsOf('ONCE-1', { limit: 10 })).toHaveLength(1);
  });
});
