import { type PostgresWaits, postgresPoolOptions } from '@demo/http';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.js';

export type Database = NodePgDatabase<typeof schema>;

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
  waits?: PostgresWaits,
): DatabaseClient {
  const pool = new pg.Pool({
    connectionString: url,
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
