/**
 * Whether an error means that a dependency is away for now rather than that the work is wrong:
 * a refused, reset or lost connection, an exhausted pool, a server shutting down, restarting or
 * stepping down. One rule for the HTTP layer (such a failure answers 503 with `Retry-After`)
 * and for consumers (such a failure is retried for the subscription's transient budget).
 *
 * Judged from the error and every error in its `cause` chain (drizzle wraps driver errors as
 * "Failed query: …" with the driver's error as `cause`; AggregateError's `errors` are searched
 * too), by code, by class name and, where a driver rethrows without the original, by message.
 * Pure, with no dependencies: it reads properties, never imports a driver.
 */

/** Node.js system error codes of a network that is (for now) not there. */
const SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTCONN',
  'ESOCKETTIMEDOUT',
]);

/**
 * PostgreSQL SQLSTATEs worth waiting out: connection exceptions (class 08), the server shutting
 * down or restarting (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now,
 * 57P04 database dropped, 57P05 idle session timeout), too many connections, and the
 * serialization/deadlock failures that a retry resolves.
 */
function isTransientSqlState(code: string): boolean {
  return (
    /^08[0-9A-Z]{3}$/.test(code) ||
    /^57P0[1-5]$/.test(code) ||
    code === '53300' ||
    code === '40001' ||
    code === '40P01'
  );
}

/** MongoDB driver error classes of an unreachable or restarting server, and nats.js's timeout. */
const ERROR_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoWaitQueueTimeoutError',
  // Client-side operation timeout (`timeoutMS`): the server did not answer in time.
  'MongoOperationTimeoutError',
  // An operation cut off because its client was closed (a shutdown, or a reconnect).
  'MongoClientClosedError',
  // nats.js: a request (or a JetStream publish) without an answer in time.
  'TimeoutError',
]);

/**
 * MongoDB server error codes of a server that is shutting down, stepping down or not reachable
 * from the one that answered: the retryable-error codes of MongoDB's retryable-writes
 * specification (6 HostUnreachable, 7 HostNotFound, 89 NetworkTimeout, 91 ShutdownInProgress,
 * 189 PrimarySteppedDown, 262 ExceededTimeLimit, 9001 SocketException, 10107 NotWritablePrimary,
 * 11600 InterruptedAtShutdown, 11602 InterruptedDueToReplStateChange, 13435
 * NotPrimaryNoSecondaryOk, 13436 NotPrimaryOrSecondary). A stopped `mongod` answers its
 * in-flight operations with 11600 or 91; a replica set's election with 189/10107. Numeric, so
 * they never meet PostgreSQL's string SQLSTATEs; 11000 (duplicate key) is not among them.
 */
const MONGO_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/**
 * Messages without a code, each matched from its start (a wrapper such as drizzle's "Failed
 * query: …\nparams: …" quotes user data, which must never make a failure transient). pg's pool
 * and client when the server goes away; and the MongoDB driver's network messages, also on a
 * `MongoBulkWriteError`: `insertMany`/`bulkWrite` rethrow a lost or refused connection, and a
 * pool cleared by another operation's failure, with only the message (no cause, no code, no
 * write errors).
 */
const MESSAGES = [
  /^timeout exceeded when trying to connect/i,
  /^connection terminated( unexpectedly| due to connection timeout)?$/i,
  /^client has encountered a connection error and is not queryable/i,
  /^server closed the connection unexpectedly/i,
  /^the database system is (starting up|shutting down|in recovery mode)/i,
  /^connection (timed out|timeout)/i,
  /^socket hang up/i,
  /^connection \d+ to \S+ (closed|timed out)$/,
  /^Connection pool for \S+ was cleared because another operation failed with: /,
  /^connect (ECONNREFUSED|ECONNRESET|ETIMEDOUT)\b/,
];

const MAX_DEPTH = 10;

/** Every error in the chain (`cause`, AggregateError's `errors`), outermost first, each once. */
export function errorChain(error: unknown): unknown[] {
  const out: unknown[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number) => {
    if (e === undefined || e === null || depth > MAX_DEPTH || seen.has(e)) return;
    seen.add(e);
    out.push(e);
    if (typeof e !== 'object') return;
    const errors = prop(e, 'errors');
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
    visit(prop(e, 'cause'), depth + 1);
  };
  visit(error, 0);
  return out;
}

/** A property of anything, undefined where reading it throws (a getter, a proxy). */
function prop(e: unknown, key: string): unknown {
  if (typeof e !== 'object' || e === null) return undefined;
  try {
    return (e as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** Whether this one error (not its causes) says a dependency is away. */
export function isTransientOne(e: unknown): boolean {
  const code = prop(e, 'code');
  if (typeof code === 'string' && (SYSTEM_CODES.has(code) || isTransientSqlState(code))) return true;
  const name = prop(e, 'name');
  if (typeof name === 'string' && ERROR_NAMES.has(name)) return true;
  if (
    typeof code === 'number' &&
    typeof name === 'string' &&
    name.startsWith('Mongo') &&
    MONGO_CODES.has(code)
  )
    return true;
  const labels = prop(e, 'errorLabelSet');
  if (labels instanceof Set && (labels.has('ResetPool') || labels.has('RetryableWriteError'))) return true;
  const message = prop(e, 'message');
  return typeof message === 'string' && MESSAGES.some((re) => re.test(message));
}

/** Whether `error`, or any error in its cause chain, says a dependency is away for now. */
export function isTransientError(error: unknown): boolean {
  return errorChain(error).some(isTransientOne);
}
