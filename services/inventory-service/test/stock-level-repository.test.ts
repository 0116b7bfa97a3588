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
    client = await new MongoClient(testServers().mongoUrl, { monitorCommands: true }).connect();
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

  it('writes changes that arrive together in two commands, the newest of each SKU winning', async () => {
    const sent: string[] = [];
    const listen = (e: { commandName: string }) => sent.push(e.commandName);
    client.on('commandStarted', listen);
    // 20 changes of two SKUs at once, in no particular order of their stream sequences.
    const seqs = [35, 31, 40, 33, 38, 32, 39, 34, 36, 37];
    const results = await Promise.all(
      seqs.flatMap((seq) => [
        repo.apply({ ...change(100 - seq, seq), sku: 'BATCH-A' }, meta(seq)),
        repo.apply({ ...change(200 - seq, seq), sku: 'BATCH-B' }, meta(seq)),
      ]),
    );
    client.off('commandStarted', listen);
    const levels = await repo.list({ limit: 10, afterSku: 'BATCH' });
    expect(levels.filter((l) => l.sku.startsWith('BATCH-')).map((l) => [l.sku, l.available])).toEqual([
      ['BATCH-A', 60],
      ['BATCH-B', 160],
    ]);
    expect((await repo.movementsOf('BATCH-A', { limit: 20 })).map((m) => m.seq)).toEqual(
      [...seqs].sort((a, b) => b - a),
    );
    // The first change is written alone, the 19 that came meanwhile together: 2 commands each time.
    expect(sent.length).toBeLessThanOrEqual(4);
    // The newest change of each SKU moved its level; the first one may have, too (it went alone).
    expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    expect(results.filter(Boolean).length).toBeLessThanOrEqual(4);
  });
});
