import { type SqlQuote, withAdminClient } from './databases.js';

/** The event trigger (and its functions) that gives every new collection table its `_id` lookup index. */
const ID_INDEX_TRIGGER = 'ferretdb_index_id';

/** FerretDB's catalog table of a MongoDB database: not a collection. */
const CATALOG_TABLE = '_ferretdb_database_metadata';

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
  const indexIn = `public.${ID_INDEX_TRIGGER}_in`;
  return [
    `CREATE OR REPLACE FUNCTION ${indexIn}(collection regclass) RETURNS void LANGUAGE plpgsql AS $fn$
     BEGIN
       EXECUTE format(
         'CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L)) WITH (fastupdate = off)',
         'ferretdb_id_gin_' || substr(md5((SELECT relname FROM pg_class WHERE oid = collection)), 1, 16),
         collection, '_id');
     END $fn$`,
    `CREATE OR REPLACE FUNCTION public.${ID_INDEX_TRIGGER}() RETURNS event_trigger
       LANGUAGE plpgsql AS $fn$
     BEGIN
       PERFORM ${indexIn}(d.objid::regclass)
       FROM pg_event_trigger_ddl_commands() d JOIN pg_class c ON c.oid = d.objid
       WHERE d.object_type = 'table' AND c.relkind = 'r' AND c.relname <> '${CATALOG_TABLE}'
         AND EXISTS (SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = '_jsonb' AND NOT a.attisdropped);
     END $fn$`,
    `DROP EVENT TRIGGER IF EXISTS ${ID_INDEX_TRIGGER}`,
    `CREATE EVENT TRIGGER ${ID_INDEX_TRIGGER} ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
       EXECUTE FUNCTION public.${ID_INDEX_TRIGGER}()`,
    `SELECT ${indexIn}(c.oid::regclass)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND c.relname <> '${CATALOG_TABLE}'
        AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'public')
        AND EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = c.oid AND a.attname = '_jsonb' AND NOT a.attisdropped)`,
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
