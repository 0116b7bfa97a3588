import { errorChain, isTransientOne } from '@demo/transient-errors';
import { BusError, PermanentError } from '../errors.js';

/**
 * Failure classification, pure: what kind of failure a handler's error is, judged from the error
 * and every error in its `cause` chain.
 *
 * - `permanent`: the handler said so (`PermanentError` anywhere in the chain): dead-letter now.
 * - `transient`: the infrastructure is away (`@demo/transient-errors`: refused or lost
 *   connections, pool timeouts, servers shutting down or stepping down, NATS timeouts) or a bus
 *   error that says it is retryable: retry with backoff for the subscription's transient budget.
 * - `failed`: anything else: counted against `maxDeliver`.
 */
export type FailureKind = 'permanent' | 'transient' | 'failed';

function isTransientHere(e: unknown): boolean {
  if (e instanceof BusError) return e.retryable || e.code === 'CONNECTION_CLOSED';
  return isTransientOne(e);
}

export function isPermanent(error: unknown): boolean {
  return errorChain(error).some((e) => e instanceof PermanentError);
}

export function isTransient(error: unknown): boolean {
  return errorChain(error).some(isTransientHere);
}

/** A declared permanent failure wins over a transient cause it wraps. */
export function classifyFailure(error: unknown): FailureKind {
  if (isPermanent(error)) return 'permanent';
  if (isTransient(error)) return 'transient';
  return 'failed';
}
