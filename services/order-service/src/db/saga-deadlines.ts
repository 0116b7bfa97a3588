import { CoalescedWrites } from '@demo/service';
import type { Collection, Db } from 'mongodb';
import { deleteByIds } from './delete-by-ids.js';
import { insertUnordered } from './unordered-insert.js';

/**
 * The `saga_deadlines` collection: one small document per order still waiting for the saga,
 * keyed by the order id, with the time it stops waiting. The sweep reads only this collection
 * (on FerretDB a query on any field but `_id` scans the whole collection, so it stays as small
 * as the number of orders in flight: an entry goes when its order settles). Concurrent sets
 * and clears are each written together, one command for all of them.
 */
export interface SagaDeadlineDocument {
  /** The order id. */
  _id: string;
  dueAt: Date;
}

export class SagaDeadlines {
  private readonly deadlines: Collection<SagaDeadlineDocument>;
  private readonly sets: CoalescedWrites<SagaDeadlineDocument>;
  private readonly clears: CoalescedWrites<string>;

  constructor(db: Db) {
    this.deadlines = db.collection<SagaDeadlineDocument>('saga_deadlines');
    // A deadline already recorded (a retried place) counts as written.
    this.sets = new CoalescedWrites((docs) => insertUnordered(this.deadlines, docs));
    this.clears = new CoalescedWrites(async (ids) => {
      await deleteByIds(this.deadlines, ids);
    });
  }

  async ensureIndexes(): Promise<void> {
    await this.deadlines.createIndex({ dueAt: 1 }, { name: 'saga_deadlines_due' });
  }

  /** Records when order `orderId` stops waiting; written before the order, so none is without one. */
  async set(orderId: string, dueAt: Date): Promise<void> {
    await this.sets.run([{ _id: orderId, dueAt }]);
  }

  /** Up to `limit` orders whose deadline is at or before `now`, earliest first. */
  async due(now: Date, limit: number): Promise<SagaDeadlineDocument[]> {
    return this.deadlines
      .find({ dueAt: { $lte: now } })
      .sort({ dueAt: 1 })
      .limit(limit)
      .toArray();
  }

  async clear(orderId: string): Promise<void> {
    await this.clears.run([orderId]);
  }
}
