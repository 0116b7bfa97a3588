import type { BusLogger, OutboxStore, PendingEvent } from '@demo/bus';
import { deleteByIds } from './delete-by-ids.js';
import type { Collections, OutboxEntry, PendingEventDocument } from './schema.js';

export interface MongoOutboxStoreOptions {
  logger: BusLogger;
  /**
   * An intent younger than this may belong to a write still under way in this process: the
   * sweep leaves it to the after-commit publish. Default 5 s.
   */
  settleMs?: number;
  /** An intent whose order does not hold its event after this long was never written: dropped. Default 60 s. */
  abandonMs?: number;
  /** How long the backlog gauge reuses a count. Default 5 s. */
  backlogCacheMs?: number;
  clock?: () => number;
}

function toPendingEvent(entry: OutboxEntry): PendingEvent {
  return {
    id: entry.id,
    subject: entry.subject,
    data: entry.data,
    traceContext: entry.traceContext,
    createdAt: entry.createdAt,
  };
}

/**
 * `OutboxStore` for `OutboxRelay` over the `outbox` collection of pending-event intents and
 * the events inside the order documents. Its work is proportional to what is pending: it
 * reads the small `outbox` collection, looks orders up by `_id` only (the one filter
 * FerretDB pushes down), and marks by deleting intents by `_id`. Settled orders are never read.
 */
export class MongoOutboxStore implements OutboxStore {
  private readonly startedAt: number;
  private readonly settleMs: number;
  private readonly abandonMs: number;
  private readonly backlogCacheMs: number;
  private readonly clock: () => number;
  private cachedBacklog?: { at: number; count: Promise<number> };

  constructor(
    private readonly collections: Pick<Collections, 'orders' | 'outbox'>,
    private readonly options: MongoOutboxStoreOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.startedAt = this.clock();
    this.settleMs = options.settleMs ?? 5_000;
    this.abandonMs = options.abandonMs ?? 60_000;
    this.backlogCacheMs = options.backlogCacheMs ?? 5_000;
  }

  /**
   * Up to `limit` events whose order holds them, oldest first. Intents written before this
   * process started, or older than `settleMs`, are checked against their order; the rest are
   * being published by the after-commit path right now.
   */
  async pending(limit: number): Promise<PendingEvent[]> {
    const now = this.clock();
    const intents = await this.collections.outbox
      .find({})
      .sort({ createdAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
    const due = intents.filter(
      (i) => i.createdAt.getTime() < this.startedAt || now - i.createdAt.getTime() >= this.settleMs,
    );
    const byOrder = new Map<string, PendingEventDocument[]>();
    for (const intent of due) byOrder.set(intent.orderId, [...(byOrder.get(intent.orderId) ?? []), intent]);
    const found = new Map<string, PendingEvent>();
    const abandoned: string[] = [];
    await Promise.all(
      [...byOrder].map(async ([orderId, ofOrder]) => {
        const order = await this.collections.orders.findOne({ _id: orderId });
        const events = new Map((order?.events ?? []).map((e) => [e.id, e]));
        for (const intent of ofOrder) {
          const entry = events.get(intent._id);
          if (entry) found.set(intent._id, toPendingEvent(entry));
          else if (now - intent.createdAt.getTime() >= this.abandonMs) abandoned.push(intent._id);
        }
      }),
    );
    if (abandoned.length > 0) {
      this.options.logger.warn(
        { eventIds: abandoned },
        'outbox intents whose order write never happened; dropped without publishing',
      );
      await deleteByIds(this.collections.outbox, abandoned);
    }
    return due.flatMap((intent) => {
      const event = found.get(intent._id);
      return event ? [event] : [];
    });
  }

  /** Deletes the intents of the published events: by `_id`, from the small collection only. */
  async markPublished(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await deleteByIds(this.collections.outbox, ids);
  }

  /** Events waiting (the relay's `demo.bus.outbox.backlog` gauge): a count of the small collection, cached. */
  backlog(): Promise<number> {
    const now = this.clock();
    if (!this.cachedBacklog || now - this.cachedBacklog.at >= this.backlogCacheMs) {
      const count = this.collections.outbox.countDocuments({});
      this.cachedBacklog = { at: now, count };
      count.catch(() => {
        this.cachedBacklog = undefined;
      });
    }
    return this.cachedBacklog.count;
  }
}
