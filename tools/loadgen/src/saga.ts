import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type Dispatcher, request } from 'undici';
import { percentile } from './stats.js';

/** The states an order ends in. */
export const TERMINAL = ['CONFIRMED', 'REJECTED', 'CANCELLED'] as const;
export type TerminalStatus = (typeof TERMINAL)[number];

export interface SagaSummary {
  /** Orders accepted (201) and followed. */
  placed: number;
  /** Orders that reached a terminal state, by state. */
  settled: Record<TerminalStatus, number>;
  /** Orders still PENDING at the end of the settle window. */
  pending: number;
  /** Ids of some of the pending orders, to look them up. */
  pendingSample: string[];
  /** POST sent → terminal state, milliseconds. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Follows each accepted order from the moment its POST was sent until it reaches a terminal
 * state (pure bookkeeping; the watchers below tell it when).
 */
export class SagaTracker {
  private readonly sentAt = new Map<string, number>();
  private readonly latencies: number[] = [];
  private readonly settled: Record<TerminalStatus, number> = { CONFIRMED: 0, REJECTED: 0, CANCELLED: 0 };
  /** Terminal events seen before the POST's answer (the saga can outrun the HTTP reply). */
  private readonly early = new Map<string, { status: TerminalStatus; at: number }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** An order was accepted; its POST was sent at `sentAt` (a `performance.now()` time). */
  placed(orderId: string, sentAt: number): void {
    const early = this.early.get(orderId);
    if (early) {
      this.early.delete(orderId);
      this.record(early.status, early.at - sentAt);
      return;
    }
    this.sentAt.set(orderId, sentAt);
  }

  /** The order reached `status`; repeated or unknown orders are ignored. */
  reached(orderId: string, status: TerminalStatus, at = this.now()): void {
    const sentAt = this.sentAt.get(orderId);
    if (sentAt === undefined) {
      // Not (yet) known as placed: keep it briefly, in case its POST's answer is still on the way.
      if (this.early.size < 100_000) this.early.set(orderId, { status, at });
      return;
    }
    this.sentAt.delete(orderId);
    this.record(status, at - sentAt);
  }

  private record(status: TerminalStatus, latencyMs: number): void {
    this.settled[status] += 1;
    this.latencies.push(Math.max(0, latencyMs));
  }

  /** Orders placed and not settled yet. */
  get pendingIds(): string[] {
    return [...this.sentAt.keys()];
  }

  get pendingCount(): number {
    return this.sentAt.size;
  }

  summary(): SagaSummary {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      placed: sorted.length + this.sentAt.size,
      settled: { ...this.settled },
      pending: this.sentAt.size,
      pendingSample: this.pendingIds.slice(0, 5),
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? Number.NaN,
    };
  }
}

/** Tells a tracker when orders settle. */
export interface SagaWatcher {
  /** How it watches, for the report. */
  readonly method: string;
  close(): Promise<void>;
}

const TERMINAL_SUBJECTS: Record<string, TerminalStatus> = {
  'orders.confirmed': 'CONFIRMED',
  'orders.rejected': 'REJECTED',
  'orders.cancelled': 'CANCELLED',
};

/** The order id of an `orders.*` event body, or undefined. */
export function orderIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { orderId?: unknown };
    return typeof parsed.orderId === 'string' ? parsed.orderId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Watches the terminal events on NATS (`orders.confirmed|rejected|cancelled`, a plain
 * subscription: it reads what JetStream stores without consuming anything). order-service
 * publishes them right after the order document reached that state, so the time an event is
 * seen is the time the order settled, within a millisecond, at no cost to the services.
 */
export async function watchNats(url: string, tracker: SagaTracker): Promise<SagaWatcher> {
  const nc: NatsConnection = await connect({ servers: url.split(','), name: 'loadgen-saga-watch' });
  for (const [subject, status] of Object.entries(TERMINAL_SUBJECTS)) {
    nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return;
        const orderId = orderIdOf(msg.string());
        if (orderId) tracker.reached(orderId, status);
      },
    });
  }
  await nc.flush();
  return { method: `terminal events on NATS (${url})`, close: () => nc.drain() };
}

/**
 * Without NATS access: polls `GET /api/orders/{id}` for the orders still pending, each at a
 * growing interval (25 ms doubling to 400 ms), so latencies are known to within that interval.
 */
export function watchHttp(
  orderServiceUrl: string,
  tracker: SagaTracker,
  dispatcher: Dispatcher,
  concurrency = 16,
): SagaWatcher {
  let stopped = false;
  const nextPoll = new Map<string, { at: number; gap: number }>();
  const loop = (async () => {
    while (!stopped) {
      const now = performance.now();
      const due: string[] = [];
      for (const id of tracker.pendingIds) {
        const plan = nextPoll.get(id) ?? { at: now + 25, gap: 25 };
        if (!nextPoll.has(id)) nextPoll.set(id, plan);
        if (plan.at <= now) due.push(id);
      }
      for (let i = 0; i < due.length && !stopped; i += concurrency) {
        await Promise.all(
          due.slice(i, i + concurrency).map(async (id) => {
            try {
              const res = await request(`${orderServiceUrl}/api/orders/${id}`, { dispatcher });
              const text = await res.body.text();
              const status =
                res.statusCode === 200 ? (JSON.parse(text) as { status?: string }).status : undefined;
              if (status && (TERMINAL as readonly string[]).includes(status)) {
                tracker.reached(id, status as TerminalStatus);
                nextPoll.delete(id);
                return;
              }
            } catch {
              // A failed poll is retried at the next interval.
            }
            const plan = nextPoll.get(id);
            if (plan) {
              plan.gap = Math.min(plan.gap * 2, 400);
              plan.at = performance.now() + plan.gap;
            }
          }),
        );
      }
      await sleep(10);
    }
  })();
  return {
    method: `polling GET ${orderServiceUrl}/api/orders/{id}`,
    close: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** Waits until nothing is pending or `settleMs` passed; answers how long it waited. */
export async function settle(tracker: SagaTracker, settleMs: number, signal?: AbortSignal): Promise<number> {
  const started = performance.now();
  while (tracker.pendingCount > 0 && performance.now() - started < settleMs && !signal?.aborted) {
    await sleep(50);
  }
  return performance.now() - started;
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value.toFixed(1)}ms`);

export function formatSaga(s: SagaSummary): string {
  const settled = Object.entries(s.settled)
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
  const sample = s.pending > 0 ? ` (e.g. ${s.pendingSample.join(', ')})` : '';
  return `saga POST→terminal placed=${s.placed} pending=${s.pending}${sample} p50=${ms(s.p50)} p95=${ms(s.p95)} p99=${ms(s.p99)} max=${ms(s.max)} [${settled}]`;
}
