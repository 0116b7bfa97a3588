import { type PendingEvent, pendingEvent } from '@demo/bus';
import { InventoryStockChanged } from '@demo/contracts';
import type { Committed } from '@demo/service';
import { asc, eq, gt } from 'drizzle-orm';
import { type InventoryItem, type NewItem, SkuTakenError } from '../domain/item.js';
import { formatMoney, parseMoney } from '../domain/money.js';
import type { Database } from './client.js';
import { writeOutbox } from './outbox.js';
import { inventoryItems } from './schema.js';

type ItemRow = typeof inventoryItems.$inferSelect;

export function toItem(row: ItemRow): InventoryItem {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    available: row.available,
    reserved: row.reserved,
    unitPrice: parseMoney(row.unitPrice),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The stock of one SKU, for the gauges. */
export interface StockSnapshot {
  sku: string;
  available: number;
  reserved: number;
}

/** Inventory items in PostgreSQL: stocking a SKU (with its outbox event), reading items. */
export class InventoryRepository {
  constructor(
    private readonly db: Database,
    private readonly committed: Committed,
  ) {}

  /**
   * Stocks a new SKU (stock version 1) and announces it (`inventory.stock-changed`, cause
   * `created`) in one transaction.
   */
  async create(input: NewItem): Promise<InventoryItem> {
    let events: PendingEvent[] = [];
    const row = await this.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(inventoryItems)
        .values({
          sku: input.sku,
          name: input.name,
          available: input.quantity,
          reserved: 0,
          unitPrice: formatMoney(input.unitPrice),
        })
        .onConflictDoNothing({ target: inventoryItems.sku })
        .returning();
      if (!inserted) throw new SkuTakenError(input.sku);
      events = [
        pendingEvent(InventoryStockChanged, {
          sku: inserted.sku,
          available: inserted.available,
          reserved: inserted.reserved,
          change: input.quantity,
          cause: 'created',
          version: inserted.version,
        }),
      ];
      await writeOutbox(tx, events);
      return inserted;
    });
    this.committed(events);
    return toItem(row);
  }

  async findById(id: string): Promise<InventoryItem | undefined> {
    const [row] = await this.db.select().from(inventoryItems).where(eq(inventoryItems.id, id));
    return row ? toItem(row) : undefined;
  }

  /** Items ordered by SKU, from after `afterSku`; `limit` of them at most. */
  async list(options: { limit: number; afterSku?: string | undefined }): Promise<InventoryItem[]> {
    const rows = await this.db
      .select()
      .from(inventoryItems)
      .where(options.afterSku === undefined ? undefined : gt(inventoryItems.sku, options.afterSku))
      .orderBy(asc(inventoryItems.sku))
      .limit(options.limit);
    return rows.map(toItem);
  }

  /** Current stock of up to `limit` SKUs (by SKU), for metrics. */
  async stockLevels(limit: number): Promise<StockSnapshot[]> {
    return this.db
      .select({
        sku: inventoryItems.sku,
        available: inventoryItems.available,
        reserved: inventoryItems.reserved,
      })
      .from(inventoryItems)
      .orderBy(asc(inventoryItems.sku))
      .limit(limit);
  }
}
