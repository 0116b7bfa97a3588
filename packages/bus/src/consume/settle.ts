/**
 * What to do with a message once its handling ended, as a pure function of the outcome, the
 * delivery count JetStream reports, what this process remembers of earlier transient failures,
 * and the subscription's policy. JetStream does the redelivery: a retry is a decision (`nak`
 * with a delay), not a loop.
 */

export type DeadLetterReason =
  | 'unparseable'
  | 'schema_invalid'
  | 'headers_invalid'
  | 'unsupported_version'
  | 'handler_failed'
  | 'permanent'
  | 'transient_exhausted';

export type PoisonReason = 'unparseable' | 'schema_invalid' | 'headers_invalid' | 'unsupported_version';

export type Outcome =
  | { kind: 'ok' }
  /** The message itself is bad (decode): no retry can help. */
  | { kind: 'poison'; reason: PoisonReason; message: string }
  | { kind: 'permanent'; message: string; error?: unknown }
  | { kind: 'transient'; message: string; error?: unknown }
  | { kind: 'failed'; message: string; error?: unknown };

export interface SettlePolicy {
  /** Attempts that end in an ordinary failure before the dead letter. */
  maxDeliver: number;
  /** Delay after the n-th ordinary failure (the last value repeats). */
  backoffMs: readonly number[];
  /** How long transient failures are retried, from the first one seen. */
  transientBudgetMs: number;
  /** Exponential backoff of transient failures: base doubling up to max, with jitter. */
  transientBaseMs: number;
  transientMaxMs: number;
}

/** What this process saw of a message's earlier deliveries. */
export interface AttemptHistory {
  /** Deliveries that ended in a transient failure (not counted against `maxDeliver`). */
  transientFailures: number;
  /** When the first of them happened (ms, same clock as `nowMs`). */
  firstTransientAtMs?: number;
}

export type Decision =
  | { action: 'ack' }
  | { action: 'retry'; delayMs: number; transient: boolean }
  | { action: 'dead-letter'; reason: DeadLetterReason; message: string };

export const DEFAULT_SETTLE_POLICY: SettlePolicy = {
  maxDeliver: 5,
  backoffMs: [1_000, 5_000, 15_000, 30_000],
  transientBudgetMs: 15 * 60_000,
  transientBaseMs: 500,
  transientMaxMs: 15_000,
};

/** Deliveries that count against `maxDeliver`: all of them but the transient failures. */
export function ordinaryAttempts(deliveryCount: number, history: AttemptHistory): number {
  return Math.max(1, deliveryCount - history.transientFailures);
}

/** `base · 2^(n-1)` capped at `max`, then "equal jitter": between half and all of it. */
export function transientDelay(failures: number, policy: SettlePolicy, random: () => number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(policy.transientMaxMs, policy.transientBaseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export function settle(
  outcome: Outcome,
  deliveryCount: number,
  policy: SettlePolicy,
  history: AttemptHistory,
  nowMs: number,
  random: () => number = Math.random,
): Decision {
  switch (outcome.kind) {
    case 'ok':
      return { action: 'ack' };
    case 'poison':
      return { action: 'dead-letter', reason: outcome.reason, message: outcome.message };
    case 'permanent':
      return { action: 'dead-letter', reason: 'permanent', message: outcome.message };
    case 'transient': {
      const since = history.firstTransientAtMs ?? nowMs;
      if (nowMs - since >= policy.transientBudgetMs) {
        return {
          action: 'dead-letter',
          reason: 'transient_exhausted',
          message: `still failing after ${Math.round((nowMs - since) / 1000)} s of transient failures: ${outcome.message}`,
        };
      }
      // This failure is the (n+1)-th transient one.
      return {
        action: 'retry',
        delayMs: transientDelay(history.transientFailures + 1, policy, random),
        transient: true,
      };
    }
    case 'failed': {
      const attempts = ordinaryAttempts(deliveryCount, history);
      if (attempts >= policy.maxDeliver) {
        return { action: 'dead-letter', reason: 'handler_failed', message: outcome.message };
      }
      const delays = policy.backoffMs.length > 0 ? policy.backoffMs : DEFAULT_SETTLE_POLICY.backoffMs;
      const delayMs = delays[Math.min(attempts - 1, delays.length - 1)] ?? 0;
      return { action: 'retry', delayMs, transient: false };
    }
  }
}
