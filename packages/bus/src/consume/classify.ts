import { BusError, PermanentError } from '../errors.js';

/**
 * Failure classification, pure: what kind of failure a handler's error is, judged from the error
 * and every error in its `cause` chain (drizzle wraps driver errors as "Failed query: …" with the
 * driver's error as `cause`; AggregateError's `errors` are searched too).
 *
 * - `permanent`: the handler said so (`PermanentError` anywhere in the chain): dead-letter now.
 * - `transient`: the infrastructure is away (connection refused or reset, pool or socket
 *   timeouts, PostgreSQL class 08 and 57P0x, MongoDB network and server-selection errors and the
 *   codes of a server shutting down or stepping down, NATS timeouts): retry with backoff for the subscription's transient budget.
 * - `failed`: anything else: counted against `maxDeliver`.
 */
export type FailureKind = 'permanent' | 'transient' | 'failed';

/** Node.js system error codes of a network that is (for now) not there. */
const TRANSIENT_SYSTEM_CODES = new Set([
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

/** MongoDB driver error classes of an unreachable or restarting server. */
const TRANSIENT_ERROR_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoWaitQueueTimeoutError',
  // Client-side operation timeout (`timeoutMS`): the server did not answer in time.
  'MongoOperationTimeoutError',
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
const TRANSIENT_MONGO_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/** Driver messages without a code: pg's pool and client when the server goes away. */
const TRANSIENT_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated (unexpectedly|due to connection timeout)/i,
  /client has encountered a connection error and is not queryable/i,
  /server closed the connection unexpectedly/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /connection (timed out|timeout)/i,
  /socket hang up/i,
  // The MongoDB driver's network messages, also on a MongoBulkWriteError that rethrows a lost or
  // refused connection of `insertMany`/`bulkWrite` without it as its cause.
  /^connection \d+ to \S+ (closed|timed out)$/,
  /\bconnect (ECONNREFUSED|ECONNRESET|ETIMEDOUT)\b/,
];

const MAX_DEPTH = 10;

/** Every error in the chain, outermost first, each once (cycles and depth bounded). */
export function errorChain(error: unknown): unknown[] {
  const out: unknown[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number) => {
    if (e === undefined || e === null || depth > MAX_DEPTH || seen.has(e)) return;
    seen.add(e);
    out.push(e);
    if (typeof e !== 'object') return;
    const record = e as { cause?: unknown; errors?: unknown };
    if (Array.isArray(record.errors)) for (const inner of record.errors) visit(inner, depth + 1);
    visit(record.cause, depth + 1);
  };
  visit(error, 0);
  return out;
}

function prop(e: unknown, key: string): unknown {
  if (typeof e !== 'object' || e === null) return undefined;
  try {
    return (e as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function isTransientOne(e: unknown): boolean {
  if (e instanceof BusError) return e.retryable || e.code === 'CONNECTION_CLOSED';
  const code = prop(e, 'code');
  if (typeof code === 'string' && (TRANSIENT_SYSTEM_CODES.has(code) || isTransientSqlState(code)))
    return true;
  const name = prop(e, 'name');
  if (typeof name === 'string' && TRANSIENT_ERROR_NAMES.has(name)) return true;
  if (
    typeof code === 'number' &&
    typeof name === 'string' &&
    name.startsWith('Mongo') &&
    TRANSIENT_MONGO_CODES.has(code)
  )
    return true;
  const labels = prop(e, 'errorLabelSet');
  if (labels instanceof Set && (labels.has('ResetPool') || labels.has('RetryableWriteError'))) return true;
  const message = prop(e, 'message');
  return typeof message === 'string' && TRANSIENT_MESSAGES.some((re) => re.test(message));
}

export function isPermanent(error: unknown): boolean {
  return errorChain(error).some((e) => e instanceof PermanentError);
}

export function isTransient(error: unknown): boolean {
  return errorChain(error).some(isTransientOne);
}

/** A declared permanent failure wins over a transient cause it wraps. */
export function classifyFailure(error: unknown): FailureKind {
  if (isPermanent(error)) return 'permanent';
  if (isTransient(error)) return 'transient';
  return 'failed';
}
