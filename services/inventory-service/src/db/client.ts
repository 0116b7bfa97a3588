import { type PostgresWaits, postgresPoolOptions } from '@demo/http';
import { withCredentials } from '@demo/service';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.js';

export type Database = NodePgDatabase<typeof schema>;
/** A transaction of `Database`: what repositories write through inside `db.transaction()`. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** The service's own role; without them, the user info of the URL. */
export interface PostgresCredentials {
  DATABASE_USER?: string | undefined;
  DATABASE_PASSWORD?: string | undefined;
}

/** `url` with the service's own role in its user info (percent-encoded), when one is given. */
export function databaseUrl(url: string, env: PostgresCredentials | undefined): string {
  return env?.DATABASE_USER ? withCredentials(url, env.DATABASE_USER, env.DATABASE_PASSWORD) : url;
}

export interface Postgres {
  pool: pg.Pool;
  db: Database;
}

/**
 * A pool and its drizzle database. The pool is sized for the handlers that hold a connection
 * at once (8 reservations, the read model, the relay) plus HTTP requests. Its clients are in
 * pipeline mode: statements given to one client before the answer to the previous one go out
 * at once (a reservation sends `begin` with its lock and `commit` with its write); statements
 * awaited one by one, as drizzle sends them, go as they always did.
 */
export function connectPostgres(
  url: string,
  onError: (error: Error) => void,
  waits?: PostgresWaits & PostgresCredentials,
): Postgres {
  const pool = new pg.Pool({
    connectionString: databaseUrl(url, waits),
    application_name: 'inventory-service',
    pipeline: true,
    ...(waits === undefined ? { max: 16 } : postgresPoolOptions(waits)),
  });
  // An idle client that loses its connection emits here; without a listener the process would crash.
  pool.on('error', onError);
  // A client that is checked out (between the queries of a transaction) loses that listener:
  // a server shutdown then emits on the client itself. Its query fails and the pool drops it.
  pool.on('connect', (client) => client.on('error', onError));
  return { pool, db: drizzle({ client: pool, schema }) };
}

/** SQLSTATE 23505 anywhere in the cause chain (drizzle wraps the driver's error), optionally for one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { code, constraint: name } = e as Error & { code?: unknown; constraint?: unknown };
    if (code === '23505') return constraint === undefined || name === constraint;
  }
  return false;
}
