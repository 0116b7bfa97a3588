import { randomUUID } from 'node:crypto';
import { context, metrics, type ObservableCallback, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import type { EventContract, EventData } from './contract.js';
import { InvalidEventDataError } from './errors.js';
import { INSTRUMENTATION_SCOPE } from './instruments.js';
import type { BusLogger } from './logger.js';
import { fieldIssues, type PublishAck, type PublishOptions } from './publisher.js';
import { recordGetter, recordSetter } from './wire.js';

/** An event written to an outbox in the same transaction as the change it announces. */
export interface PendingEvent {
  /** The event id: becomes `ce-id` and `Nats-Msg-Id`, so a second publish is a JetStream duplicate. */
  id: string;
  subject: string;
  data: unknown;
  /** W3C trace context of the request that wrote it (see `captureTraceContext`). */
  traceContext: Record<string, string>;
  createdAt?: Date;
}

/** Where a service keeps its outbox: a PostgreSQL table, or pending events inside a MongoDB document. */
export interface OutboxStore {
  /** Up to `limit` events not yet published, oldest first. */
  pending(limit: number): Promise<PendingEvent[]>;
  /** Marks events as published (called only after the JetStream ack). */
  markPublished(ids: readonly string[]): Promise<void>;
  /** How many wait (for the backlog gauge); optional. */
  backlog?(): Promise<number>;
}

/** The active trace context as a carrier to store with an outbox row. */
export function captureTraceContext(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier, recordSetter);
  return carrier;
}

export interface OutboxRelayOptions {
  publisher: { publish(event: EventContract, data: unknown, options?: PublishOptions): Promise<PublishAck> };
  store: OutboxStore;
  /** The events this outbox may hold, to find each row's contract by subject. */
  contracts: readonly EventContract[];
  logger: BusLogger;
  batchSize?: number;
  /** Sweep for leftovers (a crash between commit and publish) this often. Default 5 s. */
  sweepIntervalMs?: number;
}

/**
 * Publishes what an outbox holds. Right after a commit, `committed(events)` publishes those
 * events at once from memory: the after-commit path never reads the store and never waits
 * behind a sweep. A sweep (at start, on `notify()` and on a timer) reads what is still
 * pending (leftovers of a crash, or of a failed publish) and publishes a whole batch with
 * every ack in flight. Each event keeps its id (JetStream dedupe: a duplicate ack counts as
 * published) and continues the trace of the request that wrote it. Published ids are marked
 * in coalesced batches, one `markPublished` at a time.
 */
export class OutboxRelay {
  /** Per subject, every version this outbox may hold, newest first. */
  private readonly contracts: Map<string, EventContract[]>;
  private readonly batchSize: number;
  private readonly sweepIntervalMs: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  private published = 0;
  /** Ids being published or waiting to be marked: a sweep leaves them alone. */
  private readonly inFlight = new Set<string>();
  private readonly fastPublishes = new Set<Promise<void>>();
  private toMark: string[] = [];
  private marking?: Promise<void>;
  private readonly backlogGauge = metrics
    .getMeter(INSTRUMENTATION_SCOPE)
    .createObservableGauge('demo.bus.outbox.backlog', {
      unit: '{message}',
      description: 'Events written to the outbox and not yet published',
    });
  private readonly observeBacklog: ObservableCallback = async (result) => {
    const backlog = this.options.store.backlog;
    if (!backlog) return;
    try {
      result.observe(await backlog.call(this.options.store));
    } catch (error) {
      this.options.logger.debug({ err: error }, 'outbox backlog unavailable for metrics');
    }
  };

  constructor(private readonly options: OutboxRelayOptions) {
    this.contracts = new Map();
    for (const c of options.contracts)
      this.contracts.set(c.subject, [...(this.contracts.get(c.subject) ?? []), c]);
    for (const versions of this.contracts.values()) versions.sort((a, b) => b.version - a.version);
    this.batchSize = options.batchSize ?? 100;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 5_000;
  }

  /** Total events this relay published (duplicates included). */
  get publishedCount(): number {
    return this.published;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.backlogGauge.addCallback(this.observeBacklog);
    this.timer = setInterval(() => this.notify(), this.sweepIntervalMs);
    this.timer.unref();
    this.notify();
  }

  /** Sweep now for whatever is pending. Cheap to call often; runs one sweep at a time. */
  notify(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Call once a transaction that wrote `events` to the outbox has committed: publishes them now. */
  committed(events: readonly PendingEvent[]): void {
    if (this.stopped) return; // the next start's sweep publishes them
    const fresh = events.filter((e) => !this.inFlight.has(e.id));
    if (fresh.length === 0) return;
    const work = this.publishAll(fresh).then((done) => this.mark(done));
    this.fastPublishes.add(work);
    void work.finally(() => this.fastPublishes.delete(work));
  }

  /** Publishes everything pending now; resolves when the outbox was empty or a pass failed. */
  async flush(): Promise<void> {
    await this.settle();
    await this.drain();
    await this.marking;
  }

  /** Waits for the after-commit publishes, their marks and a running sweep. */
  private async settle(): Promise<void> {
    await Promise.all([...this.fastPublishes]);
    if (this.running) await this.running;
    await this.marking;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      try {
        const read = await this.options.store.pending(this.batchSize);
        const batch = read.filter((e) => !this.inFlight.has(e.id));
        const done = await this.publishAll(batch);
        await this.mark(done);
        if (read.length === this.batchSize && done.length === batch.length && batch.length > 0)
          this.again = true;
      } catch (error) {
        this.options.logger.error({ err: error }, 'outbox relay pass failed; will retry on the next sweep');
        return;
      }
    } while (this.again && !this.stopped);
  }

  /**
   * Publishes a batch with every ack in flight at once. The publishes leave in the batch's
   * order on one connection, so the stream stores them in that order. Returns the ids acked.
   */
  private async publishAll(batch: readonly PendingEvent[]): Promise<string[]> {
    const sends: Array<Promise<string | undefined>> = [];
    for (const event of batch) {
      const contract = contractOf(this.contracts.get(event.subject), event.data);
      if (!contract) {
        this.options.logger.error(
          { eventId: event.id, subject: event.subject },
          'outbox row has no known contract; left pending',
        );
        continue;
      }
      this.inFlight.add(event.id);
      const parent = propagation.extract(ROOT_CONTEXT, event.traceContext, recordGetter);
      sends.push(
        this.options.publisher.publish(contract, event.data, { id: event.id, parent }).then(
          () => {
            this.published += 1;
            return event.id;
          },
          (error: unknown) => {
            this.inFlight.delete(event.id);
            if (error instanceof InvalidEventDataError) {
              this.options.logger.error(
                { err: error, eventId: event.id },
                'outbox row fails its schema; left pending',
              );
            } else {
              this.options.logger.warn(
                { err: error, eventId: event.id },
                'outbox publish failed; will retry',
              );
            }
            return undefined;
          },
        ),
      );
    }
    const results = await Promise.all(sends);
    return results.filter((id): id is string => id !== undefined);
  }

  /** Marks `ids` published, batched with whatever else was acked meanwhile; resolves once they are marked. */
  private mark(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    this.toMark.push(...ids);
    if (!this.marking) {
      this.marking = this.markLoop().finally(() => {
        this.marking = undefined;
      });
    }
    return this.marking;
  }

  private async markLoop(): Promise<void> {
    while (this.toMark.length > 0) {
      const ids = this.toMark;
      this.toMark = [];
      try {
        await this.options.store.markPublished(ids);
      } catch (error) {
        // Published but not marked: the next sweep publishes them again, as JetStream duplicates.
        this.options.logger.warn({ err: error, count: ids.length }, 'marking outbox events published failed');
      } finally {
        for (const id of ids) this.inFlight.delete(id);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.backlogGauge.removeCallback(this.observeBacklog);
    await this.settle();
  }
}

/**
 * The version of an outbox row: the newest whose publish schema accepts its data, so rows written
 * before a producer moved to a new version are still published as the version they were written as.
 */
function contractOf(
  versions: readonly EventContract[] | undefined,
  data: unknown,
): EventContract | undefined {
  if (!versions) return undefined;
  return versions.find((c) => c.strictSchema.safeParse(data).success) ?? versions[0];
}

/**
 * An outbox row for `event`: validated strictly now (inside the writing transaction, so bad
 * data fails the request, not the relay), with a new id and the active trace context.
 */
export function pendingEvent<E extends EventContract>(
  event: E,
  data: EventData<E>,
  options: { id?: string } = {},
): PendingEvent {
  const parsed = event.strictSchema.safeParse(data);
  if (!parsed.success) throw new InvalidEventDataError(event.subject, fieldIssues(parsed.error));
  return {
    id: options.id ?? randomUUID(),
    subject: event.subject,
    data: parsed.data,
    traceContext: captureTraceContext(),
    createdAt: new Date(),
  };
}
