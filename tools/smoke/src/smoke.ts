import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { idOf, orderBody, paths, stockBody, userBody } from '@demo/loadgen/bodies';
import { request } from 'undici';
import { z } from 'zod';
import { servicesInTrace, traceIdFromResponse, traceIdsFromSearch } from './trace.js';

const url = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
const ms = z.coerce.number().int().positive();

export const smokeConfigSchema = z.object({
  userUrl: url.default('http://localhost:8000'),
  orderUrl: url.default('http://localhost:8001'),
  inventoryUrl: url.default('http://localhost:8002'),
  tempoUrl: url.default('http://localhost:3200'),
  /** How long the order may take to become CONFIRMED (the user's event must travel first). */
  confirmTimeoutMs: ms.default(60_000),
  /** How long the trace may take to show up in Tempo with every expected service. */
  traceTimeoutMs: ms.default(90_000),
  pollMs: ms.default(1_000),
  expectServices: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .default(['user-service', 'order-service', 'inventory-service']),
});
export type SmokeConfig = z.infer<typeof smokeConfigSchema>;

export function smokeConfigFromEnv(env: NodeJS.ProcessEnv): SmokeConfig {
  const raw = {
    userUrl: env.SMOKE_USER_SERVICE_URL,
    orderUrl: env.SMOKE_ORDER_SERVICE_URL,
    inventoryUrl: env.SMOKE_INVENTORY_SERVICE_URL,
    tempoUrl: env.SMOKE_TEMPO_URL,
    confirmTimeoutMs: env.SMOKE_CONFIRM_TIMEOUT_MS,
    traceTimeoutMs: env.SMOKE_TRACE_TIMEOUT_MS,
    pollMs: env.SMOKE_POLL_MS,
    expectServices: env.SMOKE_EXPECT_SERVICES,
  };
  const parsed = smokeConfigSchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v)));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid smoke configuration:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

export interface SmokeResult {
  userId: string;
  sku: string;
  orderId: string;
  traceId: string;
  /** How the trace was found: from the answer's headers or body, or by searching Tempo. */
  traceFoundBy: 'response' | 'search';
  services: Record<string, number>;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

async function call(method: 'GET' | 'POST', target: string, body?: unknown): Promise<Answer> {
  const res = await request(target, {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: res.statusCode, headers: res.headers, body: parsed };
}

const created = (a: Answer) => a.status === 200 || a.status === 201;
const show = (a: Answer) =>
  `${a.status} ${typeof a.body === 'string' ? a.body : JSON.stringify(a.body)}`.slice(0, 500);

export class SmokeFailure extends Error {
  override name = 'SmokeFailure';
}

/** Polls `attempt` until it returns a value; a SmokeFailure it throws ends the wait at once. */
async function until<T>(
  what: string,
  timeoutMs: number,
  pollMs: number,
  attempt: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof SmokeFailure) throw error;
      last = error;
    }
    if (Date.now() >= deadline) {
      throw new SmokeFailure(
        `${what}: gave up after ${timeoutMs / 1000}s${last ? ` (${String(last)})` : ''}`,
      );
    }
    await sleep(pollMs);
  }
}

/**
 * Against a running stack: creates a user and stock, places an order (retrying while the
 * user's event reaches order-service), waits for it to be CONFIRMED, then finds its trace in
 * Tempo with spans of every expected service.
 */
export async function smoke(
  config: SmokeConfig,
  log: (line: string) => void = console.log,
): Promise<SmokeResult> {
  const runId = randomBytes(4).toString('hex');

  const user = await call('POST', `${config.userUrl}${paths.users}`, userBody(runId, 0));
  if (!created(user)) throw new SmokeFailure(`POST ${paths.users}: ${show(user)}`);
  const userId = idOf(user.body, 'userId');
  if (!userId) throw new SmokeFailure(`POST ${paths.users} answered no id: ${show(user)}`);
  log(`[smoke] user ${userId}`);

  const stock = stockBody(runId, 0, 100);
  const item = await call('POST', `${config.inventoryUrl}${paths.inventory}`, stock);
  if (!created(item)) throw new SmokeFailure(`POST ${paths.inventory}: ${show(item)}`);
  log(`[smoke] stock ${stock.sku} x${stock.quantity}`);

  const order = await until(
    'placing the order (422 until users.created reaches order-service)',
    config.confirmTimeoutMs,
    config.pollMs,
    async () => {
      const answer = await call(
        'POST',
        `${config.orderUrl}${paths.orders}`,
        orderBody(userId, [{ sku: stock.sku, quantity: 2 }]),
      );
      if (answer.status === 422) return undefined;
      if (!created(answer) && answer.status !== 202)
        throw new SmokeFailure(`POST ${paths.orders}: ${show(answer)}`);
      return answer;
    },
  );
  const orderId = idOf(order.body, 'orderId');
  if (!orderId) throw new SmokeFailure(`POST ${paths.orders} answered no id: ${show(order)}`);
  const traceFromResponse = traceIdFromResponse(order.headers, order.body);
  log(`[smoke] order ${orderId}${traceFromResponse ? ` (trace ${traceFromResponse})` : ''}`);

  await until(`order ${orderId} to be CONFIRMED`, config.confirmTimeoutMs, config.pollMs, async () => {
    const answer = await call('GET', `${config.orderUrl}${paths.order(orderId)}`);
    const status = (answer.body as { status?: string } | undefined)?.status;
    if (status === 'CONFIRMED') return status;
    if (status === 'REJECTED' || status === 'CANCELLED') {
      throw new SmokeFailure(`order ${orderId} is ${status}: ${show(answer)}`);
    }
    return undefined;
  });
  log(`[smoke] order ${orderId} CONFIRMED`);

  const fetchTrace = async (traceId: string) => {
    const answer = await call('GET', `${config.tempoUrl}/api/traces/${traceId}`);
    return answer.status === 200 ? servicesInTrace(answer.body) : undefined;
  };
  const complete = (services: Map<string, number> | undefined) =>
    services !== undefined && config.expectServices.every((s) => (services.get(s) ?? 0) > 0);

  let last: Map<string, number> | undefined;
  const found = await until(
    `the trace of order ${orderId} in Tempo with spans of ${config.expectServices.join(', ')}`,
    config.traceTimeoutMs,
    config.pollMs,
    async () => {
      const candidates: Array<{ id: string; by: SmokeResult['traceFoundBy'] }> = [];
      if (traceFromResponse) {
        candidates.push({ id: traceFromResponse, by: 'response' });
      } else {
        const end = Math.ceil(Date.now() / 1000) + 60;
        const query = new URLSearchParams({
          tags: `app.order.id=${orderId}`,
          limit: '5',
          start: String(end - 3600),
          end: String(end),
        });
        const search = await call('GET', `${config.tempoUrl}/api/search?${query}`);
        if (search.status === 200) {
          for (const id of traceIdsFromSearch(search.body)) candidates.push({ id, by: 'search' });
        }
      }
      for (const candidate of candidates) {
        const services = await fetchTrace(candidate.id);
        if (services) last = services;
        if (services && complete(services)) return { ...candidate, services };
      }
      return undefined;
    },
  ).catch((error: unknown) => {
    const seen = last ? [...last].map(([s, n]) => `${s}:${n}`).join(' ') : 'no trace yet';
    throw new SmokeFailure(`${error instanceof Error ? error.message : String(error)}; last seen: ${seen}`);
  });

  const services = Object.fromEntries([...found.services].sort());
  const described = Object.entries(services)
    .map(([s, n]) => `${s}=${n} spans`)
    .join(', ');
  log(`[smoke] trace ${found.id} (found by ${found.by}): ${described}`);
  log(
    `[smoke] open it: ${config.tempoUrl}/api/traces/${found.id}, or Grafana > Explore > Tempo > ${found.id}`,
  );
  return { userId, sku: stock.sku, orderId, traceId: found.id, traceFoundBy: found.by, services };
}
