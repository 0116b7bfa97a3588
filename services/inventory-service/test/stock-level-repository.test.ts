import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyFailure } from '@demo/bus';
import { freePort, startFerretDb, stopFerretDb, stopProcess, testServers, uniqueName } from '@demo/infra';
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

  describe('versioned changes (the stock version orders them, not the stream)', () => {
    const versioned = (sku: string, version: number) => ({
      sku,
      available: 10 - version,
      reserved: version,
      change: -1,
      cause: 'reserved' as const,
      version,
    });
    const stored = (sku: string) => db.collection('stock_levels').findOne({ _id: sku as never });

    it('keeps version 3 when version 2 arrives after it, later in the stream or earlier', async () => {
      const third = meta(50);
      expect(await repo.apply(versioned('VER-1', 3), third)).toBe(true);
      // Published after version 3 (a commit heard of late, or a republish): a higher sequence.
      expect(await repo.apply(versioned('VER-1', 2), meta(60))).toBe(false);
      // Delivered late from earlier in the stream.
      expect(await repo.apply(versioned('VER-1', 2), meta(40))).toBe(false);
      // The same change redelivered.
      expect(await repo.apply(versioned('VER-1', 3), third)).toBe(false);
      expect(await stored('VER-1')).toMatchObject({ available: 7, reserved: 3, version: 3, seq: 50 });

      expect(await repo.apply(versioned('VER-1', 4), meta(45))).toBe(true);
      expect(await stored('VER-1')).toMatchObject({ available: 6, reserved: 4, version: 4, seq: 45 });
      // Every movement is kept once, stale ones included.
      expect(await repo.movementsOf('VER-1', { limit: 10 })).toHaveLength(4);
    });

    it('within one batch, the highest version wins whatever the stream sequences say', async () => {
      // Versions 1..6 of two SKUs at once, stream sequences in the reverse order of the versions.
      const results = await Promise.all(
        [1, 2, 3, 4, 5, 6].flatMap((version) => [
          repo.apply(versioned('VER-A', version), meta(200 - version)),
          repo.apply(versioned('VER-B', 7 - version), meta(300 - version)),
        ]),
      );
      expect(await stored('VER-A')).toMatchObject({ available: 4, reserved: 6, version: 6, seq: 194 });
      expect(await stored('VER-B')).toMatchObject({ available: 4, reserved: 6, version: 6, seq: 299 });
      expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    });

    it('a stored level without a version (written before versions) loses to any versioned change', async () => {
      expect(await repo.apply({ ...change(9, 1), sku: 'MIX-1' }, meta(100))).toBe(true);
      expect(await stored('MIX-1')).not.toHaveProperty('version');
      // Version 2, though from earlier in the stream than the unversioned change.
      expect(await repo.apply(versioned('MIX-1', 2), meta(90))).toBe(true);
      expect(await stored('MIX-1')).toMatchObject({ available: 8, reserved: 2, version: 2, seq: 90 });
      // An unversioned change predates every versioned one, whatever its stream sequence.
      expect(await repo.apply({ ...change(9, 1), sku: 'MIX-1' }, meta(110))).toBe(false);
      expect(await stored('MIX-1')).toMatchObject({ available: 8, reserved: 2, version: 2 });
    });

    it('in one batch, a versioned change wins over an unversioned one from later in the stream', async () => {
      await Promise.all([
        repo.apply({ ...change(5, 0), sku: 'MIX-2' }, meta(20)),
        repo.apply(versioned('MIX-2', 1), meta(10)),
        repo.apply({ ...change(4, 0), sku: 'MIX-2' }, meta(30)),
      ]);
      expect(await stored('MIX-2')).toMatchObject({ available: 9, reserved: 1, version: 1, seq: 10 });
    });
  });

  it('fails with an error the consumer retries (transient) when MongoDB goes away', {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'read-model-outage-'));
    const server = await startFerretDb({ dir, port: await freePort(), backend: 'sqlite' });
    const own = await new MongoClient(server.url, { serverSelectionTimeoutMS: 1_000 }).connect();
    try {
      const model = new StockLevelRepository(own.db('outage'), 5);
      expect(await model.apply({ ...change(3, 1), sku: 'GONE-1' }, meta(1))).toBe(true);
      await stopProcess(server.pid);
      // Every attempt while it is away, not only the first (the driver's bulk API reported the
      // later ones as a MongoBulkWriteError "connect ECONNREFUSED", an ordinary failure).
      for (let attempt = 2; attempt <= 4; attempt++) {
        const error = await model
          .apply({ ...change(2, 2), sku: 'GONE-1' }, meta(attempt))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
        expect(classifyFailure(error)).toBe('transient');
      }
    } finally {
      await own.close();
      await stopFerretDb(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
