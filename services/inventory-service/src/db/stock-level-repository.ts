import type { InventoryStockChangedData } from '@demo/contracts';
import type { Collection, Db, Filter } from 'mongodb';
import { isLowStock } from '../domain/stock.js';
import { isDuplicateKey } from './mongo.js';

/** The read model of one SKU: its levels after the last applied change, and that change's stream sequence. */
interface StockLevelDocument {
  _id: string;
  available: number;
  reserved: number;
  lowStock: boolean;
  updatedAt: Date;
  /** Stream sequence of the `inventory.stock-changed` applied last: older ones are ignored. */
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
   * Records the movement (once per event id) and moves the SKU's levels forward, unless a change
   * from later in the stream was applied already. Returns whether the levels moved.
   */
  async apply(change: InventoryStockChangedData, meta: ChangeMeta): Promise<boolean> {
    try {
      await this.movements.insertOne({
        _id: meta.eventId,
        sku: change.sku,
        change: change.change,
        cause: change.cause,
        available: change.available,
        reserved: change.reserved,
        ...(change.orderId === undefined ? {} : { orderId: change.orderId }),
        at: meta.time,
        seq: meta.streamSequence,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    try {
      // Matches only an older document; none matching means insert, which for an existing SKU
      // (a newer change was applied) is a duplicate key: the change is stale.
      await this.levels.updateOne(
        { _id: change.sku, seq: { $lt: meta.streamSequence } },
        {
          $set: {
            available: change.available,
            reserved: change.reserved,
            lowStock: isLowStock(change.available, this.lowStockThreshold),
            updatedAt: meta.time,
            seq: meta.streamSequence,
          },
        },
        { upsert: true },
      );
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
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
