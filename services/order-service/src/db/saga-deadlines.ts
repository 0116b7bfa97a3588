import type { Collection, Db } from 'mongodb';

/**
 * The `saga_deadlines` collection: one small document per order still waiting for the saga,
 * keyed by the order id, with the time it stops waiting. The sweep reads only this collection
 * (on FerretDB a query on any field but `_id` scans the whole collection, so it stays as small
 * as the number of orders in flight: an entry goes when its order settles).
 */
export interface SagaDeadlineDocument {
  /** The order id. */
  _id: string;
  dueAt: Date;
}

/** Duplicate key: the deadline of this order is already recorded (a retried place). */
const DUPLICATE_KEY = 11000;

export class SagaDeadlines {
  private readonly deadlines: Collection<SagaDeadlineDocument>;

  constructor(db: Db) {
    this.deadlines = db.collection<SagaDeadlineDocument>('saga_deadlines');
  }

  async ensureIndexes(): Promise<void> {
    await this.deadlines.createIndex({ dueAt: 1 }, { name: 'saga_deadlines_due' });
  }

  /** Records when order `orderId` stops waiting; written before the order, so none is without one. */
  async set(orderId: string, dueAt: Date): Promise<void> {
    try {
      await this.deadlines.insertOne({ _id: orderId, dueAt });
    } catch (error) {
      if ((error as { code?: number } | null)?.code !== DUPLICATE_KEY) throw error;
    }
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
    await this.deadlines.deleteOne({ _id: orderId });
  }
}
