import type pg from 'pg';

/** What PostgreSQL counted for one table since its statistics were reset (`pg_stat_user_tables`). */
export interface TableCounters {
  seqScans: number;
  /** Rows read by sequential scans: a query that scans a table reads every row of it. */
  seqRowsRead: number;
  indexScans: number;
  indexRowsFetched: number;
  inserted: number;
  updated: number;
  deleted: number;
  /** Rows dead and not yet vacuumed at the time of the reading (a level, not a count). */
  dead: number;
}

/** Table counters by `schema.table`. */
export type StorageCounters = Map<string, TableCounters>;

/** Reads every user table's counters: on FerretDB's PostgreSQL, a schema per database and a table per collection. */
export async function readStorageCounters(pool: pg.Pool): Promise<StorageCounters> {
  const { rows } = await pool.query<{
    name: string;
    seq_scan: string;
    seq_tup_read: string;
    idx_scan: string | null;
    idx_tup_fetch: string | null;
    n_tup_ins: string;
    n_tup_upd: string;
    n_tup_del: string;
    n_dead_tup: string;
  }>(
    `select schemaname || '.' || relname as name, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch,
            n_tup_ins, n_tup_upd, n_tup_del, n_dead_tup
       from pg_stat_user_tables`,
  );
  return new Map(
    rows.map((r) => [
      r.name,
      {
        seqScans: Number(r.seq_scan),
        seqRowsRead: Number(r.seq_tup_read),
        indexScans: Number(r.idx_scan ?? 0),
        indexRowsFetched: Number(r.idx_tup_fetch ?? 0),
        inserted: Number(r.n_tup_ins),
        updated: Number(r.n_tup_upd),
        deleted: Number(r.n_tup_del),
        dead: Number(r.n_dead_tup),
      },
    ]),
  );
}

/** What happened between two readings, per table (tables made in between start from zero); `dead` is the later level. */
export function counterDelta(before: StorageCounters, after: StorageCounters): StorageCounters {
  const delta: StorageCounters = new Map();
  for (const [name, a] of after) {
    const b = before.get(name);
    delta.set(name, {
      seqScans: a.seqScans - (b?.seqScans ?? 0),
      seqRowsRead: a.seqRowsRead - (b?.seqRowsRead ?? 0),
      indexScans: a.indexScans - (b?.indexScans ?? 0),
      indexRowsFetched: a.indexRowsFetched - (b?.indexRowsFetched ?? 0),
      inserted: a.inserted - (b?.inserted ?? 0),
      updated: a.updated - (b?.updated ?? 0),
      deleted: a.deleted - (b?.deleted ?? 0),
      dead: a.dead,
    });
  }
  return delta;
}

/**
 * FerretDB names a collection's table `<collection>_<hash>`: the collection, in the name the
 * reader knows; its own catalog keeps its name. Databases made per run (`bench_orders_…`) lose
 * their unique suffix so that runs read alike.
 */
export function collectionOf(table: string): string {
  const [schema = '', relation = ''] = table.split('.');
  const database = schema.replace(/_[0-9a-z]{6,}$/, '');
  return `${database}.${relation.replace(/_[0-9a-f]{8}$/, '')}`;
}

/** Per collection and per order: rows read by scans and through indexes, rows written; the tables that did nothing left out. */
export function perOrderRows(delta: StorageCounters, orders: number): string[] {
  const per = (n: number) => (orders > 0 ? n / orders : 0);
  const f = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return [...delta]
    .map(([table, c]) => ({ table, c, read: c.seqRowsRead + c.indexRowsFetched }))
    .filter(({ c, read }) => read + c.inserted + c.updated + c.deleted > 0)
    .sort((a, b) => b.read - a.read)
    .map(
      ({ table, c }) =>
        `| ${collectionOf(table)} | ${f(per(c.seqScans))} | ${f(per(c.seqRowsRead))} | ${f(per(c.indexScans))} | ${f(per(c.indexRowsFetched))} | ${f(per(c.inserted + c.updated + c.deleted))} | ${c.dead.toLocaleString('en-US')} |`,
    );
}

/** FerretDB's count of the commands it was sent, by command name (`ferretdb_client_requests_total` of its debug server). */
export async function readFerretDbCommands(debugUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${debugUrl}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('ferretdb_client_requests_total{')) continue;
    const command = /command="([^"]*)"/.exec(line)?.[1] ?? '?';
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) counts.set(command, (counts.get(command) ?? 0) + value);
  }
  return counts;
}

/** Commands sent between two readings, per order, most frequent first: `insert 2.1, find 1.9, …`. */
export function commandsPerOrder(
  before: Map<string, number>,
  after: Map<string, number>,
  orders: number,
): string {
  return [...after]
    .map(([command, n]) => [command, (n - (before.get(command) ?? 0)) / Math.max(orders, 1)] as const)
    .filter(([, n]) => n >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([command, n]) => `${command} ${n.toFixed(1)}`)
    .join(', ');
}
