/** The level of a request's `request completed` line, or `debug` for the ordinary ones. */
export type AccessLogLevel = 'debug' | 'info';

/** Which requests the access log writes at `info`; the rest go at `debug`. */
export interface AccessLogPolicy {
  /** A request that took at least this long (ms) is logged at `info` whatever its status (default 1000). */
  slowMs?: number;
}

export const DEFAULT_SLOW_REQUEST_MS = 1_000;

/**
 * `info` for the requests worth a line at the default level: an error answer (4xx, 5xx) or a
 * slow one; `debug` for a quick success, which the HTTP server span and the
 * `http.server.request.duration` histogram already record (run with LOG_LEVEL=debug to see them).
 */
export function accessLogLevel(
  outcome: { status: number; durationMs: number },
  policy: AccessLogPolicy = {},
): AccessLogLevel {
  if (outcome.status >= 400) return 'info';
  if (outcome.durationMs >= (policy.slowMs ?? DEFAULT_SLOW_REQUEST_MS)) return 'info';
  return 'debug';
}
