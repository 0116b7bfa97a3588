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

interface QueuedChange {
  change: InventoryStockChangedData;
  meta: ChangeMeta;
  resolve(moved: boolean): void;
  reject(error: unknown): void;
}

const DUPLICATE_KEY = 11000;

/** The per-statement failures of a bulk write (`index` into what was sent), or none. */
function writeErrorsOf(error: unknown): Array<{ index: number; code: number | undefined }> {
  const raw = (error as { writeErrors?: unknown } | null)?.writeErrors;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.map((e: { index?: number; code?: number }) => ({ index: e.index ?? -1, code: e.code }));
}

/** True when every failure of a write is a duplicate key (what it would write is there already). */
function onlyDuplicateKeys(error: unknown): boolean {
  if (isDuplicateKey(error)) return true;
  const failed = writeErrorsOf(error);
  return failed.length > 0 && failed.every((e) => e.code === DUPLICATE_KEY);
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
  private queued: QueuedChange[] = [];
  private writing = false;

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
   * from later in the stream was applied already. Returns whether the levels moved. Changes that
   * arrive while a write is under way are written together in the next one: their movements in
   * one `insertMany`, and of each SKU only the newest change, all SKUs in one `bulkWrite` (an
   * older change of the same batch is stale as if it had arrived after the newer one).
   */
  apply(change: InventoryStockChangedData, meta: ChangeMeta): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queued.push({ change, meta, resolve, reject });
      if (!this.writing) void this.writeQueued();
    });
  }

  private async writeQueued(): Promise<void> {
    this.writing = true;
    try {
      while (this.queued.length > 0) {
        const batch = this.queued;
        this.queued = [];
        try {
          const moved = await this.write(batch);
          for (const [i, queued] of batch.entries()) queued.resolve(moved[i] ?? false);
        } catch (error) {
          for (const queued of batch) queued.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /** Writes a batch of changes; answers, for each, whether it moved its SKU's levels. */
  private async write(batch: readonly QueuedChange[]): Promise<boolean[]> {
    try {
      await this.movements.insertMany(
        batch.map(({ change, meta }) => ({
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
        { ordered: false },
      );
    } catch (error) {
      if (!onlyDuplicateKeys(error)) throw error;
    }
    const newest = new Map<string, number>();
    batch.forEach(({ change, meta }, i) => {
      const current = newest.get(change.sku);
      if (current === undefined || (batch[current]?.meta.streamSequence ?? 0) < meta.streamSequence)
        newest.set(change.sku, i);
    });
    const winners = [...newest.values()];
    const stale = new Set<number>();
    try {
      // Each matches only an older document; none matching means insert, which for an existing
      // SKU (a newer change was applied) is a duplicate key: the change is stale.
      await this.levels.bulkWrite(
        winners.map((i) => {
          const { change, meta } = batch[i] as QueuedChange;
          return {
            updateOne: {
              filter: { _id: change.sku, seq: { $lt: meta.streamSequence } },
              update: {
                $set: {
                  available: change.available,
                  reserved: change.reserved,
                  lowStock: isLowStock(change.available, this.lowStockThreshold),
                  updatedAt: meta.time,
                  seq: meta.streamSequence,
                },
              },
              upsert: true,
            },
          };
        }),
        { ordered: false },
      );
    } catch (error) {
      const failed = writeErrorsOf(error);
      if (failed.length === 0 || failed.some((e) => e.code !== DUPLICATE_KEY)) throw error;
      for (const e of failed) stale.add(winners[e.index] ?? -1);
    }
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
