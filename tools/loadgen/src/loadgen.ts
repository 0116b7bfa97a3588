import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { idOf, type OrderItem, orderBody, paths, stockBody, userBody } from './bodies.js';
import type { Config } from './config.js';
import { dueAt, dueBy, totalRequests } from './pacing.js';
import {
  formatSaga,
  type SagaSummary,
  SagaTracker,
  type SagaWatcher,
  settle,
  watchHttp,
  watchNats,
} from './saga.js';
import { formatSummary, Recorder, type Summary } from './stats.js';

export interface Report {
  runId: string;
  users: Summary;
  stock: Summary;
  orders: Summary;
  /** Orders that were due while `concurrency` requests were already in flight. */
  skipped: number;
  /** Offered order rate actually achieved, per second. */
  achievedRate: number;
  elapsedMs: number;
  /** Each accepted order followed to its terminal state. */
  saga: SagaSummary;
  /** How terminal states were observed. */
  sagaWatch: string;
  /** How long the run waited after the last order for the saga to settle. */
  settleWaitMs: number;
  /**
   * True when the orders' error rate stayed within `maxErrorRate`, some order succeeded, and
   * at most `maxPending` orders were still pending after the settle window.
   */
  passed: boolean;
}

export interface RunOptions {
  log?: (line: string) => void;
  signal?: AbortSignal;
}

interface Outcome {
  status: number | 'error';
  body: unknown;
  /** When the request was sent (`performance.now()`). */
  sentAt: number;
}

/** Creates users and stock, then places orders at `config.rate` for `config.durationMs`. */
export async function runLoad(config: Config, options: RunOptions = {}): Promise<Report> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const runId = randomBytes(4).toString('hex');
  const dispatcher = new Agent({ connections: config.concurrency, keepAliveTimeout: 10_000 });
  const recorders = { users: new Recorder(), stock: new Recorder(), orders: new Recorder() };
  const tracker = new SagaTracker();
  let watcher: SagaWatcher | undefined;

  async function send(recorder: Recorder, url: string, body: unknown): Promise<Outcome> {
    const started = performance.now();
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        headersTimeout: config.timeoutMs,
        bodyTimeout: config.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const text = await res.body.text();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      recorder.record(res.statusCode, performance.now() - started, ok);
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.statusCode, body: parsed, sentAt: started };
    } catch {
      recorder.record('error', performance.now() - started, false);
      return { status: 'error', body: undefined, sentAt: started };
    }
  }

  /** Runs `count` calls of `task`, at most `config.concurrency` at a time. */
  async function bounded(count: number, task: (index: number) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < count && !options.signal?.aborted) await task(next++);
    };
    await Promise.all(Array.from({ length: Math.min(count, config.concurrency) }, worker));
  }

  try {
    log(
      `[loadgen] run ${runId}: ${config.users} users, ${config.skus} skus, then ${config.rate} orders/s for ${config.durationMs / 1000}s`,
    );
    const userIds: string[] = [];
    await bounded(config.users, async (i) => {
      const { status, body } = await send(
        recorders.users,
        `${config.userServiceUrl}${paths.users}`,
        userBody(runId, i),
      );
      const id = idOf(body, 'userId');
      if ((status === 201 || status === 200) && id) userIds.push(id);
    });
    const skus: string[] = [];
    await bounded(config.skus, async (i) => {
      const payload = stockBody(runId, i, config.stock);
      const { status } = await send(
        recorders.stock,
        `${config.inventoryServiceUrl}${paths.inventory}`,
        payload,
      );
      if (status === 201 || status === 200) skus.push(payload.sku);
    });
    log(`[loadgen] created ${userIds.length}/${config.users} users and ${skus.length}/${config.skus} skus`);
    if (userIds.length === 0 || skus.length === 0) {
      throw new Error(
        [
          'no user or no stock could be created: is the stack up?',
          `  ${formatSummary('POST users', recorders.users.summary())}`,
          `  ${formatSummary('POST inventory', recorders.stock.summary())}`,
        ].join('\n'),
      );
    }
    if (config.settleMs > 0)
      await sleep(config.settleMs, undefined, { signal: options.signal }).catch(() => {});
    watcher = config.natsUrl
      ? await watchNats(config.natsUrl, tracker)
      : watchHttp(config.orderServiceUrl, tracker, dispatcher);

    const total = totalRequests(config.rate, config.durationMs);
    const inFlight = new Set<Promise<void>>();
    let sent = 0;
    let skipped = 0;
    const started = performance.now();
    let lastProgress = started;
    while (sent < total && !options.signal?.aborted) {
      const now = performance.now();
      const due = dueBy(now - started, config.rate, total);
      for (; sent < due; sent++) {
        if (inFlight.size >= config.concurrency) {
          skipped++;
          continue;
        }
        const payload = orderBody(pick(userIds), pickItems(skus, config.maxItems));
        const p = send(recorders.orders, `${config.orderServiceUrl}${paths.orders}`, payload).then(
          ({ status, body, sentAt }) => {
            inFlight.delete(p);
            const id = status === 201 ? idOf(body, 'orderId') : undefined;
            if (id) tracker.placed(id, sentAt);
          },
        );
        inFlight.add(p);
      }
      if (now - lastProgress >= config.progressMs) {
        lastProgress = now;
        const s = recorders.orders.summary();
        log(
          `[loadgen] ${((now - started) / 1000).toFixed(1)}s orders sent=${s.requests + inFlight.size} done=${s.requests} errors=${s.errors} in-flight=${inFlight.size} skipped=${skipped} p95=${Number.isNaN(s.p95) ? '-' : `${s.p95.toFixed(1)}ms`} saga-pending=${tracker.pendingCount}`,
        );
      }
      if (sent < total) {
        const wait = Math.max(0, started + dueAt(sent, config.rate) - performance.now());
        await sleep(Math.min(wait, config.progressMs), undefined, { signal: options.signal }).catch(() => {});
      }
    }
    const offeredMs = performance.now() - started;
    await Promise.all(inFlight);
    const elapsedMs = performance.now() - started;
    // The window the orders were offered in: the whole duration, unless stopped early.
    const windowMs = options.signal?.aborted ? offeredMs : config.durationMs;

    const settleWaitMs = await settle(tracker, config.sagaSettleMs, options.signal);
    const sagaWatch = watcher.method;
    await watcher.close();
    watcher = undefined;
    const saga = tracker.summary();
    const orders = recorders.orders.summary();
    const errorRate = orders.requests === 0 ? 1 : orders.errors / orders.requests;
    const report: Report = {
      runId,
      users: recorders.users.summary(),
      stock: recorders.stock.summary(),
      orders,
      skipped,
      achievedRate: windowMs > 0 ? ((sent - skipped) * 1000) / windowMs : 0,
      elapsedMs,
      saga,
      sagaWatch,
      settleWaitMs,
      passed:
        orders.requests > orders.errors &&
        errorRate <= config.maxErrorRate &&
        saga.pending <= config.maxPending,
    };
    return report;
  } finally {
    await watcher?.close();
    await dispatcher.close();
  }
}

export function formatReport(report: Report): string {
  return [
    `[loadgen] summary of run ${report.runId} (${(report.elapsedMs / 1000).toFixed(1)}s of orders)`,
    `  ${formatSummary('POST users', report.users)}`,
    `  ${formatSummary('POST inventory', report.stock)}`,
    `  ${formatSummary('POST orders', report.orders)}`,
    `  orders skipped at the concurrency limit: ${report.skipped}; offered rate ${report.achievedRate.toFixed(2)}/s`,
    `  ${formatSaga(report.saga)} (watched by ${report.sagaWatch}; waited ${(report.settleWaitMs / 1000).toFixed(1)}s after the last order)`,
    `  result: ${report.passed ? 'PASS' : 'FAIL'}${report.saga.pending > 0 ? ` (${report.saga.pending} orders still PENDING)` : ''}`,
  ].join('\n');
}

function pick<T>(values: readonly T[]): T {
  return values[randomInt(values.length)] as T;
}

function pickItems(skus: readonly string[], maxItems: number): OrderItem[] {
  const count = 1 + randomInt(Math.min(maxItems, skus.length));
  const chosen = new Set<string>();
  while (chosen.size < count) chosen.add(pick(skus));
  return [...chosen].map((sku) => ({ sku, quantity: 1 + randomInt(3) }));
}
