/** FerretDB's catalog table of a MongoDB database (one per backend schema): not a collection. */
export const CATALOG_TABLE = '_ferretdb_database_metadata';

/** A SQL condition on `c` (`pg_class`) that holds for FerretDB's collection tables: one `_jsonb` column, not the catalog. */
export const IS_COLLECTION_TABLE = `c.relname <> '${CATALOG_TABLE}'
  AND EXISTS (SELECT 1 FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attname = '_jsonb' AND NOT a.attisdropped)`;

export interface EveryTableStep {
  /** Names the event trigger; its function is `public.<name>()`, the step `public.<name>_in(tbl regclass)`. */
  name: string;
  /** The PL/pgSQL body (between BEGIN and END) run for each table, which it knows as `tbl`. */
  body: string;
  /** Which tables: a SQL condition on `c` (`pg_class`) and `n` (`pg_namespace`); ordinary tables only, and never the system schemas. */
  tables: string;
}

/**
 * Statements that run `step` on every table of the backend it picks: on those that exist now,
 * and, by an event trigger on `CREATE TABLE`, on each one made later (as the role that made it,
 * its owner). Idempotent.
 */
export function everyTableStatements({ name, body, tables }: EveryTableStep): string[] {
  const step = `public.${name}_in`;
  const picked = `c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND (${tables})`;
  return [
    `CREATE OR REPLACE FUNCTION ${step}(tbl regclass) RETURNS void LANGUAGE plpgsql AS $fn$
     BEGIN
       ${body}
     END $fn$`,
    `CREATE OR REPLACE FUNCTION public.${name}() RETURNS event_trigger
       LANGUAGE plpgsql AS $fn$
     BEGIN
       PERFORM ${step}(d.objid::regclass)
       FROM pg_event_trigger_ddl_commands() d
         JOIN pg_class c ON c.oid = d.objid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE d.object_type = 'table' AND ${picked};
     END $fn$`,
    `DROP EVENT TRIGGER IF EXISTS ${name}`,
    `CREATE EVENT TRIGGER ${name} ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
       EXECUTE FUNCTION public.${name}()`,
    `SELECT ${step}(c.oid::regclass)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${picked}`,
  ];
}
