import type { Handler } from '@demo/bus';
import type { InventoryStockChanged } from '@demo/contracts';
import type { StockLevelRepository } from '../db/stock-level-repository.js';

/** `inventory.stock-changed` (our own) → the MongoDB stock level of the SKU and its movement history. */
export function onStockChanged(stockLevels: StockLevelRepository): Handler<typeof InventoryStockChanged> {
  return async (change, ctx) => {
    const moved = await stockLevels.apply(change, {
      eventId: ctx.eventId,
      streamSequence: ctx.streamSequence,
      time: ctx.time,
    });
    const at = { sku: change.sku, version: change.version };
    if (!moved) ctx.logger.info(at, 'stale stock change: a newer one is applied already');
    else ctx.logger.info({ ...at, available: change.available }, 'stock level updated');
  };
}
