import { errorChain, isTransientError } from '@demo/transient-errors';
import { z } from 'zod';

/**
 * Bounded waiting: every wait a service does on a dependency has a limit, configured from the
 * environment with defaults. The shapes below go into a service's `env.ts` schema; the helpers
 * turn the parsed values into driver options. Pure: no driver is imported here.
 */

const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const ms = (fallback: number) =>
  z.preprocess(blank, z.coerce.number().int().min(1).max(3_600_000).default(fallback));
const size = (fallback: number) =>
  z.preprocess(blank, z.coerce.number().int().min(1).max(1000).default(fallback));

/** The HTTP server's own limits. */
export const httpWaitsEnv = {
  /** A request not answered in this time gets a 503 (and its handler's signal is aborted). */
  HTTP_REQUEST_TIMEOUT_MS: ms(30_000),
};

/** A PostgreSQL pool's limits; `poolMax` is the default pool size (10). */
export const postgresWaitsEnv = ({ poolMax = 10 }: { poolMax?: number } = {}) => ({
  PG_POOL_MAX: size(poolMax),
  /** Wait for a free (or new) connection; past it the request answers 503 with Retry-After. */
  PG_CONNECT_TIMEOUT_MS: ms(5_000),
  /** `statement_timeout` of every session: the server cancels a statement running longer. */
  PG_STATEMENT_TIMEOUT_MS: ms(10_000),
  /** An idle connection is closed after this. */
  PG_IDLE_TIMEOUT_MS: ms(30_000),
});

/** A MongoDB client's limits. */
export const mongoWaitsEnv = {
  MONGODB_POOL_MAX: size(20),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: ms(5_000),
  MONGODB_CONNECT_TIMEOUT_MS: ms(5_000),
  /** A socket silent for this long is closed: no operation waits on a dead server forever. */
  MONGODB_SOCKET_TIMEOUT_MS: ms(30_000),
  /** Wait for a pooled connection; past it the request answers 503 with Retry-After. */
  MONGODB_WAIT_QUEUE_TIMEOUT_MS: ms(5_000),
};

export type PostgresWaits = { [K in keyof ReturnType<typeof postgresWaitsEnv>]: number };
export type MongoWaits = { [K in keyof typeof mongoWaitsEnv]: number };

/** node-postgres `Pool` options for `waits`. `query_timeout` (client side) outlives `statement_timeout` by 2 s, so a statement on a dead socket still ends. */
export function postgresPoolOptions(waits: PostgresWaits) {
  return {
    max: waits.PG_POOL_MAX,
    connectionTimeoutMillis: waits.PG_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: waits.PG_IDLE_TIMEOUT_MS,
    statement_timeout: waits.PG_STATEMENT_TIMEOUT_MS,
    query_timeout: waits.PG_STATEMENT_TIMEOUT_MS + 2_000,
    keepAlive: true,
  };
}

/** MongoDB driver options for `waits`. */
export function mongoClientOptions(waits: MongoWaits) {
  return {
    maxPoolSize: waits.MONGODB_POOL_MAX,
    serverSelectionTimeoutMS: waits.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
    connectTimeoutMS: waits.MONGODB_CONNECT_TIMEOUT_MS,
    socketTimeoutMS: waits.MONGODB_SOCKET_TIMEOUT_MS,
    waitQueueTimeoutMS: waits.MONGODB_WAIT_QUEUE_TIMEOUT_MS,
  };
}

/**
 * What answers 503 besides a dependency that is away (`@demo/transient-errors`): a statement
 * that ran out of time, on the server (`statement_timeout`, 57014) or on the client (pg's
 * `query_timeout`). A consumer counts these against its deliveries instead (a query that is
 * always slow is not waited out), so they are the HTTP layer's own.
 */
function isTimeout(e: unknown): boolean {
  return (
    e instanceof Error &&
    ((e as { code?: unknown }).code === '57014' || e.message.startsWith('Query read timeout'))
  );
}

/**
 * Whether `error` (or a cause of it) says a dependency is busy or away rather than that the
 * request is wrong: an exhausted pool, a statement timeout, a refused or lost connection. Such
 * failures answer 503 with `Retry-After`, not 500.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  return isTransientError(error) || errorChain(error).some(isTimeout);
}
