import { type PostgresWaits, postgresPoolOptions } from '@demo/http';
import { withCredentials } from '@demo/service';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.js';

export type Database = NodePgDatabase<typeof schema>;

/** The service's own role; without them, the user info of the URL. */
export interface PostgresCredentials {
  DATABASE_USER?: string | undefined;
  DATABASE_PASSWORD?: string | undefined;
}

/** `url` with the service's own role in its user info (percent-encoded), when one is given. */
export function databaseUrl(url: string, env: PostgresCredentials | undefined): string {
  return env?.DATABASE_USER ? withCredentials(url, env.DATABASE_USER, env.DATABASE_PASSWORD) : url;
}

export interface DatabaseClient {
  pool: pg.Pool;
  db: Database;
}

/**
 * A connection pool and the drizzle database over it, every wait bounded by `waits`.
 * Connections open lazily, on first use.
 */
export function connectDatabase(
  url: string,
  onIdleError: (error: Error) => void,
  waits?: PostgresWaits & PostgresCredentials,
): DatabaseClient {
  const pool = new pg.Pool({
    connectionString: databaseUrl(url, waits),
    application_name: 'user-service',
    ...(waits === undefined ? { max: 10 } : postgresPoolOptions(waits)),
  });
  // An idle connection that breaks (server restart) must not crash the process: the pool replaces it.
  pool.on('error', onIdleError);
  // A client that is checked out (between the queries of a transaction) loses that listener:
  // a server shutdown then emits on the client itself. Its query fails and the pool drops it.
  pool.on('connect', (client) => client.on('error', onIdleError));
  return { pool, db: drizzle({ client: pool, schema }) };
}
