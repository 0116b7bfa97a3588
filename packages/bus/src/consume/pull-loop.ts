import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { BusLogger } from '../logger.js';
import { Semaphore } from '../semaphore.js';
import { settleSafely } from './acks.js';

/**
 * The pull loop: takes messages from a consumer's iterator, runs at most `concurrency`
 * handlers at once, keeps long ones alive with one shared timer, and on stop hands back what
 * was pulled but not started and waits (bounded) for what runs. Every promise it makes is
 * handled: a task's failure and the iterator's failure are logged, never unhandled.
 */
export class PullLoop {
  private readonly slots: Semaphore;
  private readonly inFlight = new Set<Promise<void>>();
  /** Messages being handled and when they started, for the keep-alive timer. */
  private readonly working = new Map<JsMsg, number>();
  private keepAlive?: NodeJS.Timeout;
  private loop?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly messages: ConsumerMessages,
    concurrency: number,
    private readonly ackWaitMs: number,
    private readonly task: (msg: JsMsg) => Promise<void>,
    private readonly log: BusLogger,
  ) {
    this.slots = new Semaphore(concurrency);
  }

  get running(): number {
    return this.inFlight.size;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  start(): void {
    this.loop = this.run().catch((error: unknown) => {
      if (!this.stopping)
        this.log.error({ err: error }, 'consumer loop ended with an error; no more messages');
    });
    // One timer per subscription (not one per message): tells the server that long handlers still work.
    const every = Math.max(500, Math.floor(this.ackWaitMs / 3));
    this.keepAlive = setInterval(() => {
      const now = performance.now();
      for (const [msg, started] of this.working) {
        if (now - started >= every) settleSafely(this.log, 'working', msg, () => msg.working());
      }
    }, every);
    this.keepAlive.unref();
  }

  /** From now on, the server hears that `msg` is being worked on (until `release`). */
  hold(msg: JsMsg): void {
    this.working.set(msg, performance.now());
  }

  /** Ends the keep-alive of `msg` (its handler finished, or ran past its deadline). */
  release(msg: JsMsg): void {
    this.working.delete(msg);
  }

  private async run(): Promise<void> {
    for await (const msg of this.messages) {
      if (this.stopping) {
        // Pulled but not started: hand it back for immediate redelivery.
        settleSafely(this.log, 'nak', msg, () => msg.nak());
        continue;
      }
      await this.slots.acquire();
      if (this.stopping) {
        this.slots.release();
        settleSafely(this.log, 'nak', msg, () => msg.nak());
        continue;
      }
      // One promise a message: both ends release the slot; a failure is logged, never unhandled.
      const task: Promise<void> = this.task(msg).then(
        () => this.finished(msg, task),
        (error: unknown) => {
          this.log.error(
            { err: error, streamSequence: msg.seq },
            'message task failed; it will be redelivered',
          );
          this.finished(msg, task);
        },
      );
      this.inFlight.add(task);
    }
  }

  private finished(msg: JsMsg, task: Promise<void>): void {
    this.working.delete(msg);
    this.slots.release();
    this.inFlight.delete(task);
  }

  /**
   * Stops pulling, hands back what was pulled but not started, and waits (up to `timeoutMs`)
   * for running handlers. Returns the number still running at the deadline.
   */
  async stop(timeoutMs: number): Promise<number> {
    if (this.stopping) return this.inFlight.size;
    this.stopping = true;
    try {
      await this.messages.close();
    } catch (error) {
      this.log.warn({ err: error }, 'closing the consumer failed');
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([
      Promise.all([...this.inFlight]).then(() => 'done' as const),
      deadline,
    ]);
    clearTimeout(timer);
    if (outcome === 'done') await this.loop;
    clearInterval(this.keepAlive);
    return outcome === 'timeout' ? this.inFlight.size : 0;
  }
}
