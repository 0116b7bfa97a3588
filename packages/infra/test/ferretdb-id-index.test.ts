import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, mongoServiceEnv, type ServerRecord, startFerretDb, stopFerretDb } from '../src/index.js';

const DOCUMENTS = 3_000;

interface TableReads {
  /** Rows read by sequential scans of the collection's table. */
  seqRows: number;
  /** Scans of the `_id` lookup index. */
  idIndexScans: number;
}

describe('the local FerretDB on PostgreSQL: lookups by _id use an index', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferretdb-id-index-'));
  chmodSync(dir, 0o755);
  let record: ServerRecord | undefined;
  let client: MongoClient | undefined;
  let backend: pg.Pool | undefined;

  const connect = async () => {
    const env = mongoServiceEnv(record?.url ?? '', record?.extra.serviceUsers, 'order-service');
    client = await new MongoClient(env.MONGODB_URL ?? '', {
      auth: { username: env.MONGODB_USER ?? '', password: env.MONGODB_PASSWORD ?? '' },
    }).connect();
    backend = new pg.Pool({ connectionString: record?.extra.backendUrl, max: 1 });
  };
  const disconnect = async () => {
    await client?.close();
    await backend?.end();
  };
  const orders = () => client?.db('orders').collection<{ _id: string; status: string; n: number }>('orders');

  /** The backend table of `orders.orders` and the lookup indexes on it. */
  const tableOf = async () => {
    const { rows } = await (backend as pg.Pool).query<{ table: string; indexes: string[] }>(
      `select c.relname as table, array(select i.indexname from pg_indexes i
                 where i.schemaname = n.nspname and i.tablename = c.relname
                   and i.indexdef like '%USING gin%')::text[] as indexes
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'orders' and c.relkind = 'r' and c.relname like 'orders%'`,
    );
    return rows[0];
  };
  const reads = async (table: string): Promise<TableReads> => {
    const { rows } = await (backend as pg.Pool).query<{ seq: string; idx: string | null }>(
      `select t.seq_tup_read as seq,
              (select sum(i.idx_scan) from pg_stat_user_indexes i
                where i.relid = t.relid and i.indexrelname like 'ferretdb_id_gin_%') as idx
         from pg_stat_user_tables t where t.schemaname = 'orders' and t.relname = $1`,
      [table],
    );
    return { seqRows: Number(rows[0]?.seq ?? 0), idIndexScans: Number(rows[0]?.idx ?? 0) };
  };
  /** Counters once the backends have reported `lookups` more index scans (they report when idle, within seconds). */
  const readsAfter = async (table: string, before: TableReads, lookups: number): Promise<TableReads> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const now = await reads(table);
      if (now.idIndexScans - before.idIndexScans >= lookups || Date.now() > deadline) return now;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    record = await startFerretDb({ dir, port: await freePort(), backend: 'postgresql' });
    await connect();
    // As the service's own user: the table is made by its role, the index by the event trigger.
    for (let i = 0; i < DOCUMENTS; i += 500)
      await orders()?.insertMany(
        Array.from({ length: 500 }, (_, k) => ({ _id: `order-${i + k}`, status: 'PENDING', n: i + k })),
      );
  }, 120_000);

  afterAll(async () => {
    await disconnect();
    if (record) await stopFerretDb(record);
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a collection made after the start its index, which FerretDB does not list', async () => {
    const found = await tableOf();
    expect(found?.indexes).toHaveLength(1);
    const listed = await orders()?.listIndexes().toArray();
    expect(listed?.map((i) => i.name)).toEqual(['_id_']);
  });

  it('finds, updates and deletes by _id without reading the collection', async () => {
    const table = (await tableOf())?.table ?? '';
    const before = await reads(table);
    const lookups = 150;
    for (let i = 0; i < 50; i++) {
      const doc = await orders()?.findOne({ _id: `order-${i * 7}` });
      expect(doc?.n).toBe(i * 7);
      const moved = await orders()?.findOneAndUpdate(
        { _id: `order-${i * 7 + 1}`, status: 'PENDING' },
        { $set: { status: 'CONFIRMED' } },
        { returnDocument: 'after' },
      );
      expect(moved?.status).toBe('CONFIRMED');
      expect((await orders()?.deleteOne({ _id: `order-${i * 7 + 2}` }))?.deletedCount).toBe(1);
    }
    // A guard that does not hold finds nothing, and changes nothing.
    expect(
      await orders()?.findOneAndUpdate({ _id: 'order-1', status: 'PENDING' }, { $set: { status: 'X' } }),
    ).toBeNull();
    const after = await readsAfter(table, before, lookups);
    expect(after.idIndexScans - before.idIndexScans).toBeGreaterThanOrEqual(lookups);
    // One scan of the table would have read every one of its rows.
    expect(after.seqRows - before.seqRows).toBeLessThan(DOCUMENTS / 2);
    // Queries on other fields still answer (FerretDB filters them itself).
    expect(await orders()?.countDocuments({ status: 'CONFIRMED' })).toBe(50);
  }, 60_000);

  it('gives the collections that exist their index again at the next start', async () => {
    const found = await tableOf();
    await backend?.query(`drop index orders.${found?.indexes[0] ?? 'none'}`);
    expect((await tableOf())?.indexes).toHaveLength(0);
    await disconnect();
    if (record) await stopFerretDb(record);
    record = await startFerretDb({
      dir,
      port: Number(new URL(record?.url ?? '').port),
      backend: 'postgresql',
    });
    await connect();
    expect((await tableOf())?.indexes).toHaveLength(1);
    expect((await orders()?.findOne({ _id: 'order-42' }))?.n).toBe(42);
  }, 120_000);
});
