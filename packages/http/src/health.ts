import { z } from 'zod';
import { type Route, route } from './route.js';

const readinessBody = z.object({
  status: z.enum(['ok', 'degraded', 'unavailable']),
  checks: z.record(
    z.string(),
    z.object({ status: z.enum(['ok', 'failed', 'timeout']), durationMs: z.number().int().nonnegative() }),
  ),
});

/** One dependency the service needs to serve: resolves when reachable, rejects otherwise. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
  /**
   * Whether the service cannot serve without it (default true). A failing non-critical check
   * (a bus whose writes an outbox absorbs) reports the service `degraded` but keeps it in service.
   */
  critical?: boolean;
}

export type CheckState = 'ok' | 'failed' | 'timeout';

export interface ReadinessReport {
  /** `ok`: every check passed; `degraded`: only non-critical ones failed (200); `unavailable`: 503. */
  status: 'ok' | 'degraded' | 'unavailable';
  checks: Record<string, { status: CheckState; durationMs: number }>;
}

const noStore = { 'cache-control': 'no-store' };

export function healthRoute(): Route {
  return route({
    method: 'GET',
    path: '/health',
    doc: {
      operationId: 'getHealth',
      summary: 'Liveness: the process answers',
      responses: { 200: { description: 'Alive.', body: z.object({ status: z.literal('ok') }) } },
    },
    handler: () => ({ status: 200, body: { status: 'ok' }, headers: noStore }),
  });
}

class CheckTimeout extends Error {}

async function runCheck(
  check: ReadinessCheck,
  timeoutMs: number,
): Promise<{ state: CheckState; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CheckTimeout(`${check.name}: no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([Promise.resolve().then(check.check), timeout]);
    return { state: 'ok' };
  } catch (error) {
    return { state: error instanceof CheckTimeout ? 'timeout' : 'failed', error };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /ready`: every check in parallel, each bounded by `timeoutMs`; 503 when a critical check
 * fails, 200 `degraded` when only non-critical ones do.
 */
export function readyRoute(checks: readonly ReadinessCheck[], timeoutMs: number): Route {
  const names = new Set<string>();
  for (const { name } of checks) {
    if (names.has(name)) throw new Error(`readiness check '${name}' is declared twice`);
    names.add(name);
  }
  return route({
    method: 'GET',
    path: '/ready',
    doc: {
      operationId: 'getReady',
      summary: 'Readiness: every dependency, `degraded` while only the bus is away',
      responses: {
        200: { description: 'Ready (`ok`) or serving without the bus (`degraded`).', body: readinessBody },
        503: { description: 'A dependency the service cannot serve without is down.', body: readinessBody },
      },
    },
    handler: async ({ log }) => {
      const results = await Promise.all(
        checks.map(async (check) => {
          const started = performance.now();
          const result = await runCheck(check, timeoutMs);
          const durationMs = Math.round(performance.now() - started);
          if (result.state !== 'ok') {
            log.warn({ err: result.error, check: check.name, state: result.state }, 'readiness check failed');
          }
          return { check, entry: [check.name, { status: result.state, durationMs }] as const };
        }),
      );
      const failed = results.filter(({ entry }) => entry[1].status !== 'ok');
      const status: ReadinessReport['status'] =
        failed.length === 0
          ? 'ok'
          : failed.every(({ check }) => check.critical === false)
            ? 'degraded'
            : 'unavailable';
      const body: ReadinessReport = { status, checks: Object.fromEntries(results.map((r) => r.entry)) };
      return { status: status === 'unavailable' ? 503 : 200, body, headers: noStore };
    },
  });
}
