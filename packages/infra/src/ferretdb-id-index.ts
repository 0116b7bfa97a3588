import { type SqlQuote, withAdminClient } from './databases.js';
import { everyTableStatements, IS_COLLECTION_TABLE } from './ferretdb-tables.js';

/** The event trigger (and its functions) that gives every new collection table its `_id` lookup index. */
const ID_INDEX_TRIGGER = 'ferretdb_index_id';

/**
 * FerretDB 1.x on PostgreSQL keeps a collection as a table with one `jsonb` column, `_jsonb`,
 * and pushes an equality filter down as containment: `{_id: x}` becomes
 * `WHERE _jsonb->'_id' @> '"x"'`. Its own `_id` index is a unique btree on `_jsonb->'_id'`,
 * which serves `=` and never `@>`, so every `find`, `findAndModify`, `update` and `delete`
 * by `_id` reads the whole table: at 20,000 orders a lookup by `_id` took 15.7 ms of
 * PostgreSQL CPU, at 100 orders 0.2 ms (docs/benchmarks.md).
 *
 * These statements give every collection table a GIN index on `_jsonb->'_id'` (`jsonb_ops`
 * serves `@>`; `fastupdate = off`, else each lookup scans the index's pending list until a
 * vacuum), on the tables that exist and, by an event trigger, on every one made later (the
 * trigger runs as the role that made the table, its owner). FerretDB does not know the index
 * (its catalog lists only its own), so `listIndexes` and `dropIndexes` are unchanged, and
 * dropping the collection drops it. The filter's key is a statement parameter: only a custom
 * plan (parameters known) can match the index's expression, so the backend database plans
 * every statement with its parameters (`plan_cache_mode = force_custom_plan`, for sessions that
 * start after this). Idempotent.
 */
export function ferretDbIdIndexStatements(backendDatabase: string, quote: SqlQuote): string[] {
  return [
    ...everyTableStatements({
      name: ID_INDEX_TRIGGER,
      body: `EXECUTE format(
         'CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L)) WITH (fastupdate = off)',
         'ferretdb_id_gin_' || substr(md5((SELECT relname FROM pg_class WHERE oid = tbl)), 1, 16),
         tbl, '_id');`,
      tables: IS_COLLECTION_TABLE,
    }),
    `ALTER DATABASE ${quote.identifier(backendDatabase)} SET plan_cache_mode = force_custom_plan`,
  ];
}

/**
 * Gives every collection of a FerretDB on PostgreSQL an index its lookups by `_id` use (see
 * `ferretDbIdIndexStatements`): `backendAdminUrl` is a superuser's URL of FerretDB's backend
 * database. Run before FerretDB connects, so its sessions plan with their parameters. Idempotent.
 */
export async function provisionFerretDbIdIndexes(backendAdminUrl: string): Promise<void> {
  await withAdminClient(backendAdminUrl, async (client, quote) => {
    const backend = (await client.query<{ db: string }>('select current_database() as db')).rows[0]?.db ?? '';
    for (const statement of ferretDbIdIndexStatements(backend, quote)) await client.query(statement);
  });
}
