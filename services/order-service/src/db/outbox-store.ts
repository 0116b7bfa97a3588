import type { OutboxStore, PendingEvent } from '@demo/bus';
import type { DocumentLocks } from './document-locks.js';
import { orderLock } from './orders-repository.js';
import type { Collections } from './schema.js';

/** Orders whose outbox holds at least one event (the sparse `orders_outbox` index). */
const hasEvents = { 'outbox.id': { $exists: true } } as const;

/**
 * `OutboxStore` over the events kept inside the order documents, for `OutboxRelay`. Reading
 * flattens the outboxes of the orders that hold any, orders oldest first; each order's
 * events keep the order they were written in (created before confirmed).
 */
export class MongoOutboxStore implements OutboxStore {
  constructor(
    private readonly collections: Pick<Collections, 'orders'>,
    /** Shared with the orders repository: a removal never races a state change. */
    private readonly locks: DocumentLocks,
  ) {}

  async pending(limit: number): Promise<PendingEvent[]> {
    const docs = await this.collections.orders
      .find(hasEvents, { projection: { outbox: 1 } })
      .sort({ createdAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.flatMap((doc) => doc.outbox).slice(0, limit);
  }

  /**
   * Removes the published events from their orders: per order one `$pullAll` of the exact
   * stored entries, so an event pushed since stays. The entries are read again under the
   * order's lock. (A `$pull` with a condition, `{ id: { $in: ids } }`, would need no read, but
   * FerretDB 1.x matches its argument as a value, not as a condition.)
   */
  async markPublished(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const published = new Set(ids);
    const orders = this.collections.orders;
    const holders = await orders
      .find({ 'outbox.id': { $in: [...ids] } }, { projection: { _id: 1 } })
      .toArray();
    for (const { _id } of holders) {
      await this.locks.run(orderLock(_id), async () => {
        const doc = await orders.findOne({ _id }, { projection: { outbox: 1 } });
        const done = doc?.outbox.filter((entry) => published.has(entry.id)) ?? [];
        if (done.length > 0) await orders.updateOne({ _id }, { $pullAll: { outbox: done } });
      });
    }
  }

  /** Events waiting (the relay's `demo.bus.outbox.backlog` gauge). */
  async backlog(): Promise<number> {
    const docs = await this.collections.orders.find(hasEvents, { projection: { 'outbox.id': 1 } }).toArray();
    return docs.reduce((sum, doc) => sum + doc.outbox.length, 0);
  }
}
