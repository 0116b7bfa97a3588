/**
 * Paths that probes and scrapers hit every few seconds: the HTTP layer does not log their
 * successful answers and makes no server span or request metric of them (`@demo/http/probes`,
 * free of any dependency).
 */
export const PROBE_PATHS: ReadonlySet<string> = new Set([
  '/health',
  '/ready',
  '/healthz',
  '/livez',
  '/readyz',
  '/metrics',
]);

/** Whether a request target (`/ready?x=1`) is one of `PROBE_PATHS`. */
export function isProbePath(target: string): boolean {
  const queryAt = target.indexOf('?');
  return PROBE_PATHS.has(queryAt === -1 ? target : target.slice(0, queryAt));
}
