import type { BusLogger } from '@demo/bus';
import type { SagaDeadlines } from '../db/saga-deadlines.js';
import type { OrderSaga } from './order-saga.js';

export interface SagaDeadlineSweepOptions {
  deadlines: SagaDeadlines;
  saga: OrderSaga;
  logger: BusLogger;
  /** How often due deadlines are looked for. */
  intervalMs: number;
  /** Orders handled a sweep at most. Default 200. */
  batch?: number;
  clock?: () => Date;
}

/**
 * No order waits forever: on a timer, every `PENDING` order past its deadline is rejected
 * (`deadline_exceeded`) and an `orders.cancelled` is sent after it, so inventory releases what
 * it reserved or refuses a late reservation. Several instances may sweep at once: the order
 * moves once (guarded write), the release is idempotent in inventory.
 */
export class SagaDeadlineSweep {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly clock: () => Date;

  constructor(private readonly options: SagaDeadlineSweepOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.running || this.stopped) return;
      this.running = this.sweep()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.options.logger.warn({ err: error }, 'saga deadline sweep failed; next one retries'),
        )
        .finally(() => {
          this.running = undefined;
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** One pass: answers how many orders it rejected. */
  async sweep(): Promise<number> {
    const { deadlines, saga, logger } = this.options;
    let rejected = 0;
    for (const { _id: orderId } of await deadlines.due(this.clock(), this.options.batch ?? 200)) {
      if (this.stopped) break;
      const outcome = await saga.expire(orderId, logger);
      if (outcome === 'rejected') rejected += 1;
      await deadlines.clear(orderId);
    }
    if (rejected > 0) logger.warn({ rejected }, 'orders rejected: saga deadline passed');
    return rejected;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
