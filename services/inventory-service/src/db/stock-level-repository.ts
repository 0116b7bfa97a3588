import type { InventoryStockChangedData } from '@demo/contracts';
import { CoalescedWrites } from '@demo/service';
import { type Collection, type Db, type Document, type Filter, MongoServerError } from 'mongodb';
import { isLowStock } from '../domain/stock.js';

/** The read model of one SKU: its levels after the last applied change, and that change's order. */
interface StockLevelDocument {
  _id: string;
  available: number;
  reserved: number;
  lowStock: boolean;
  updatedAt: Date;
  /** Stock version of the change applied last; absent while only unversioned changes were applied. */
  version?: number;
  /** Stream sequence of the change applied last: orders unversioned changes (written before `version`). */
  seq: number;
}

/** One entry of a SKU's history, keyed by the event id (a redelivery inserts nothing). */
interface StockMovementDocument {
  _id: string;
  sku: string;
  change: number;
  cause: InventoryStockChangedData['cause'];
  available: number;
  reserved: number;
  orderId?: string;
  at: Date;
  seq: number;
}

export interface StockLevel {
  sku: string;
  available: number;
  reserved: number;
  lowStock: boolean;
  updatedAt: string;
}

export interface StockMovement {
  eventId: string;
  sku: string;
  change: number;
  cause: InventoryStockChangedData['cause'];
  available: number;
  reserved: number;
  orderId?: string;
  at: string;
}

/** Where a change came from: its event id, stream sequence and time. */
export interface ChangeMeta {
  eventId: string;
  streamSequence: number;
  time: Date;
}

interface QueuedChange {
  change: InventoryStockChangedData;
  meta: ChangeMeta;
}

const DUPLICATE_KEY = 11000;

/**
 * Whether change `a` comes after change `b` of the same SKU. A version orders changes as they
 * were committed; stream order does not (the outbox relay publishes in the order commits are
 * heard of, and a republish lands later still). A change without a version was written before
 * versions existed, so it comes before every versioned one; among those, the stream sequence
 * is all there is.
 */
function isNewer(a: QueuedChange, b: QueuedChange): boolean {
  const [va, vb] = [a.change.version, b.change.version];
  if (va !== undefined || vb !== undefined) return (va ?? 0) > (vb ?? 0);
  return a.meta.streamSequence > b.meta.streamSequence;
}

/**
 * The stored levels a change may replace: those of an older version, or without a version at
 * all, for a versioned change; for an unversioned one, only unversioned levels from earlier in
 * the stream.
 */
function olderThan({ change, meta }: QueuedChange): Filter<StockLevelDocument> {
  if (change.version !== undefined)
    return { _id: change.sku, $or: [{ version: { $lt: change.version } }, { version: { $exists: false } }] };
  return { _id: change.sku, version: { $exists: false }, seq: { $lt: meta.streamSequence } };
}

/** The per-statement failures a write command answered (`index` into what was sent), or none. */
function writeErrorsOf(reply: Document): Array<{ index: number; code: number | undefined; errmsg: string }> {
  const list = Array.isArray(reply.writeErrors) ? (reply.writeErrors as unknown[]) : [];
  return list.map((e) => {
    const { index, code, errmsg } = e as { index?: number; code?: number; errmsg?: string };
    return { index: index ?? -1, code, errmsg: errmsg ?? 'write error' };
  });
}

/** Throws unless every failure is a duplicate key (what it would write is there already). */
function failUnlessDuplicates(collection: string, failed: ReturnType<typeof writeErrorsOf>): void {
  const other = failed.find((e) => e.code !== DUPLICATE_KEY);
  if (other !== undefined)
    throw new MongoServerError({ message: `${collection}: ${other.errmsg}`, code: other.code ?? 0 });
}

export const STOCK_LEVELS = 'stock_levels';
export const STOCK_MOVEMENTS = 'stock_movements';

/**
 * The MongoDB read model fed by `inventory.stock-changed`: current levels per SKU and the
 * movement history. Every write is a single-document operation (FerretDB has no multi-document
 * transactions), and each is safe to repeat.
 */
export class StockLevelRepository {
  private readonly levels: Collection<StockLevelDocument>;
  private readonly movements: Collection<StockMovementDocument>;
  private readonly writes = new CoalescedWrites<QueuedChange, boolean>((batch) => this.write(batch));

  constructor(
    db: Db,
    private readonly lowStockThreshold: number,
  ) {
    this.levels = db.collection<StockLevelDocument>(STOCK_LEVELS);
    this.movements = db.collection<StockMovementDocument>(STOCK_MOVEMENTS);
  }

  async ensureIndexes(): Promise<void> {
    await this.levels.createIndex({ lowStock: 1, _id: 1 }, { name: 'low_stock_by_sku' });
    await this.movements.createIndex({ sku: 1, seq: -1 }, { name: 'by_sku_newest_first' });
  }

  /**
   * Records the movement (once per event id) and moves the SKU's levels forward, unless a newer
   * change was applied already: newer by stock version, or, for changes without one (published
   * before versions), by stream sequence (see `isNewer`). Returns whether the levels moved.
   * Changes that arrive while a write is under way are written together in the next one: their
   * movements in one `insert` command, and of each SKU only the newest change, all SKUs in one
   * `update` (an older change of the same batch is stale as if it had arrived after the newer one).
   */
  async apply(change: InventoryStockChangedData, meta: ChangeMeta): Promise<boolean> {
    const [moved] = await this.writes.run([{ change, meta }]);
    return moved ?? false;
  }

  /** Writes a batch of changes; answers, for each, whether it moved its SKU's levels. */
  private async write(batch: readonly QueuedChange[]): Promise<boolean[]> {
    // Raw commands, not insertMany/bulkWrite: the driver's bulk API wraps a connection failure in
    // a MongoBulkWriteError that the consumer's failure classification reads as an ordinary
    // failure (a MongoDB restart would dead-letter stock changes); a command lets the driver's
    // own transient error through, and answers write errors in its reply.
    const inserted = await this.movements.db.command({
      insert: STOCK_MOVEMENTS,
      ordered: false,
      documents: batch.map(({ change, meta }) => ({
        _id: meta.eventId,
        sku: change.sku,
        change: change.change,
        cause: change.cause,
        available: change.available,
        reserved: change.reserved,
        ...(change.orderId === undefined ? {} : { orderId: change.orderId }),
        at: meta.time,
        seq: meta.streamSequence,
      })),
    });
    // A movement already recorded (a redelivery) counts as written.
    failUnlessDuplicates(STOCK_MOVEMENTS, writeErrorsOf(inserted));
    const newest = new Map<string, number>();
    batch.forEach((queued, i) => {
      const current = newest.get(queued.change.sku);
      if (current === undefined || isNewer(queued, batch[current] as QueuedChange))
        newest.set(queued.change.sku, i);
    });
    const winners = [...newest.values()];
    // Each matches only an older document; none matching means insert, which for an existing
    // SKU (a newer change was applied) is a duplicate key: the change is stale.
    const updated = await this.levels.db.command({
      update: STOCK_LEVELS,
      ordered: false,
      updates: winners.map((i) => {
        const queued = batch[i] as QueuedChange;
        const { change, meta } = queued;
        return {
          q: olderThan(queued),
          u: {
            $set: {
              available: change.available,
              reserved: change.reserved,
              lowStock: isLowStock(change.available, this.lowStockThreshold),
              updatedAt: meta.time,
              seq: meta.streamSequence,
              ...(change.version === undefined ? {} : { version: change.version }),
            },
          },
          upsert: true,
        };
      }),
    });
    const failed = writeErrorsOf(updated);
    failUnlessDuplicates(STOCK_LEVELS, failed);
    const stale = new Set(failed.map((e) => winners[e.index] ?? -1));
    const moved = new Set(winners.filter((i) => !stale.has(i)));
    return batch.map((_, i) => moved.has(i));
  }

  /** Levels ordered by SKU, from after `afterSku`, optionally only low (or only not low) ones. */
  async list(options: {
    limit: number;
    afterSku?: string | undefined;
    lowStock?: boolean | undefined;
  }): Promise<StockLevel[]> {
    const filter: Filter<StockLevelDocument> = {};
    if (options.lowStock !== undefined) filter.lowStock = options.lowStock;
    if (options.afterSku !== undefined) filter._id = { $gt: options.afterSku };
    const docs = await this.levels.find(filter).sort({ _id: 1 }).limit(options.limit).toArray();
    return docs.map((d) => ({
      sku: d._id,
      available: d.available,
      reserved: d.reserved,
      lowStock: d.lowStock,
      updatedAt: d.updatedAt.toISOString(),
    }));
  }

  /** A SKU's movements, newest first (by stream sequence), from before `beforeSeq`. */
  async movementsOf(
    sku: string,
    options: { limit: number; beforeSeq?: number | undefined },
  ): Promise<Array<StockMovement & { seq: number }>> {
    const filter: Filter<StockMovementDocument> = { sku };
    if (options.beforeSeq !== undefined) filter.seq = { $lt: options.beforeSeq };
    const docs = await this.movements.find(filter).sort({ seq: -1 }).limit(options.limit).toArray();
    return docs.map(({ _id, at, ...rest }) => ({ eventId: _id, ...rest, at: at.toISOString() }));
  }
}
