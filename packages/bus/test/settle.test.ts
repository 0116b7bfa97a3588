import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTLE_POLICY, type SettlePolicy, settle } from '../src/index.js';

const policy: SettlePolicy = {
  maxDeliver: 3,
  backoffMs: [100, 400],
  transientBudgetMs: 60_000,
  transientBaseMs: 500,
  transientMaxMs: 8_000,
};
const fresh = { transientFailures: 0 };
const half = () => 0.5;

describe('settle', () => {
  it('acks a handled message', () => {
    expect(settle({ kind: 'ok' }, 1, policy, fresh, 0)).toEqual({ action: 'ack' });
  });

  it('dead-letters poison and declared-permanent failures on the first delivery', () => {
    expect(settle({ kind: 'poison', reason: 'unparseable', message: 'x' }, 1, policy, fresh, 0)).toEqual({
      action: 'dead-letter',
      reason: 'unparseable',
      message: 'x',
    });
    expect(settle({ kind: 'permanent', message: 'no' }, 1, policy, fresh, 0)).toMatchObject({
      action: 'dead-letter',
      reason: 'permanent',
    });
  });

  it('retries an ordinary failure with the backoff of its attempt, then dead-letters at maxDeliver', () => {
    const failed = { kind: 'failed', message: 'boom' } as const;
    expect(settle(failed, 1, policy, fresh, 0)).toEqual({ action: 'retry', delayMs: 100, transient: false });
    expect(settle(failed, 2, policy, fresh, 0)).toEqual({ action: 'retry', delayMs: 400, transient: false });
    expect(settle(failed, 3, policy, fresh, 0)).toEqual({
      action: 'dead-letter',
      reason: 'handler_failed',
      message: 'boom',
    });
  });

  it('repeats the last backoff value', () => {
    const p = { ...policy, maxDeliver: 10 };
    expect(settle({ kind: 'failed', message: '' }, 7, p, fresh, 0)).toMatchObject({ delayMs: 400 });
  });

  it('does not spend ordinary attempts on transient failures', () => {
    // 40 transient failures, then the 41st delivery fails deterministically: its first ordinary attempt.
    const history = { transientFailures: 40, firstTransientAtMs: 0 };
    expect(settle({ kind: 'failed', message: 'bug' }, 41, policy, history, 1_000)).toEqual({
      action: 'retry',
      delayMs: 100,
      transient: false,
    });
    expect(settle({ kind: 'failed', message: 'bug' }, 43, policy, history, 1_000)).toMatchObject({
      action: 'dead-letter',
      reason: 'handler_failed',
    });
  });

  it('retries transient failures with exponential backoff and jitter, capped', () => {
    const delays = [0, 1, 2, 3, 4, 5, 10].map((n) => {
      const d = settle(
        { kind: 'transient', message: 'ECONNREFUSED' },
        n + 1,
        policy,
        { transientFailures: n, firstTransientAtMs: 0 },
        1_000,
        half,
      );
      if (d.action !== 'retry') throw new Error(`expected a retry, got ${d.action}`);
      expect(d.transient).toBe(true);
      return d.delayMs;
    });
    expect(delays).toEqual([375, 750, 1_500, 3_000, 6_000, 6_000, 6_000]);
    const low = settle({ kind: 'transient', message: '' }, 1, policy, fresh, 0, () => 0);
    const high = settle({ kind: 'transient', message: '' }, 1, policy, fresh, 0, () => 1);
    expect(low).toMatchObject({ delayMs: 250 });
    expect(high).toMatchObject({ delayMs: 500 });
  });

  it('dead-letters transient failures once the transient budget is spent, however few deliveries', () => {
    const history = { transientFailures: 2, firstTransientAtMs: 0 };
    expect(settle({ kind: 'transient', message: 'down' }, 3, policy, history, 59_999, half)).toMatchObject({
      action: 'retry',
    });
    expect(settle({ kind: 'transient', message: 'down' }, 3, policy, history, 60_000, half)).toMatchObject({
      action: 'dead-letter',
      reason: 'transient_exhausted',
    });
  });

  it('by default retries transient failures for at least 15 minutes', () => {
    expect(DEFAULT_SETTLE_POLICY.transientBudgetMs).toBeGreaterThanOrEqual(15 * 60_000);
    const history = { transientFailures: 500, firstTransientAtMs: 0 };
    expect(
      settle({ kind: 'transient', message: '' }, 501, DEFAULT_SETTLE_POLICY, history, 14 * 60_000),
    ).toMatchObject({ action: 'retry', transient: true });
  });
});
