/**
 * Open-loop pacing: request i is due at start + i / rate, whatever the previous ones did, so a
 * slow server shows up as latency and errors instead of a lower offered rate.
 */

/** How many requests a run of `durationMs` at `rate` per second sends. */
export function totalRequests(rate: number, durationMs: number): number {
  return Math.max(0, Math.floor((rate * durationMs) / 1000));
}

/** Milliseconds after the start at which request `index` (from 0) is due. */
export function dueAt(index: number, rate: number): number {
  return (index * 1000) / rate;
}

/** How many requests are due by `elapsedMs` after the start (never more than `total`). */
export function dueBy(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  // The epsilon absorbs floating-point error: request i is due at exactly dueAt(i).
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000 + 1e-9) + 1);
}
