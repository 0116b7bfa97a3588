import { randomBytes } from 'node:crypto';
import type { AcceptedOrder, Line } from './accounting.js';

export interface Catalog {
  userIds: readonly string[];
  skus: readonly string[];
}

export interface LoadOptions {
  orderServiceUrl: () => string;
  catalog: Catalog;
  ratePerSecond: number;
  durationMs: number;
  /** Requests in flight at most; a request beyond it waits (and the rate falls, visibly). */
  maxInFlight?: number;
}

export interface LoadResult {
  accepted: AcceptedOrder[];
  /** Answers other than 201 (order-service down, 5xx), by status or error code. */
  failed: Record<string, number>;
  sent: number;
  /** The rate achieved, orders sent per second. */
  achievedRate: number;
}

/** Deterministic enough to vary orders, not to be reproduced: 1–2 lines of 1–3 units. */
function randomLines(skus: readonly string[]): Line[] {
  const first = randomBytes(1)[0] ?? 0;
  const count = 1 + (first % 2);
  const picked = new Set<string>();
  while (picked.size < count) picked.add(skus[(randomBytes(1)[0] ?? 0) % skus.length] ?? '');
  return [...picked].map((sku) => ({ sku, quantity: 1 + ((randomBytes(1)[0] ?? 0) % 3) }));
}

/**
 * Places orders at a fixed rate for a fixed time, each a new order (its id is the server's),
 * and records what the API answered: the accounting holds the system to every 201.
 */
export async function placeOrders(options: LoadOptions, signal?: AbortSignal): Promise<LoadResult> {
  const accepted: AcceptedOrder[] = [];
  const failed: Record<string, number> = {};
  const maxInFlight = options.maxInFlight ?? 200;
  const interval = 1_000 / options.ratePerSecond;
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;

  const one = async (userId: string, items: Line[]) => {
    try {
      const response = await fetch(`${options.orderServiceUrl()}/api/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId, items }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await response.json().catch(() => ({}))) as { id?: string };
      if (response.status === 201 && body.id) accepted.push({ id: body.id, userId, items });
      else failed[String(response.status)] = (failed[String(response.status)] ?? 0) + 1;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      failed[cause] = (failed[cause] ?? 0) + 1;
    }
  };

  while (Date.now() - started < options.durationMs && !signal?.aborted) {
    const due = started + sent * interval;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    const userId = options.catalog.userIds[sent % options.catalog.userIds.length] ?? '';
    const request = one(userId, randomLines(options.catalog.skus)).finally(() => inFlight.delete(request));
    inFlight.add(request);
    sent += 1;
  }
  const sendingMs = Date.now() - started;
  await Promise.all(inFlight);
  return { accepted, failed, sent, achievedRate: sent / (sendingMs / 1_000) };
}
