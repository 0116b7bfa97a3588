import {
  InventoryRejected,
  InventoryReleased,
  InventoryReserved,
  InventoryStockChanged,
  OrderCancelled,
  OrderCreated,
} from '@demo/contracts';
import type { Faults } from '@demo/fault-switches';
import { consume, defineService } from '@demo/service';
import type { BusinessCounter } from '@demo/telemetry';
import type { ReservationRepository } from './db/reservation-repository.js';
import type { StockLevelRepository } from './db/stock-level-repository.js';
import { onOrderCancelled } from './events/order-cancelled.js';
import { onOrderCreated } from './events/order-created.js';
import { onStockChanged } from './events/stock-changed.js';

/** What the handlers of this service need. */
export interface InventoryServiceDeps {
  reservations: ReservationRepository;
  stockLevels: StockLevelRepository;
  outcomes: BusinessCounter<{ outcome: string }>;
  /** The demo's fault switches (reservation latency, slow database), with the slow query to run. */
  faults?: { switches: Faults; slowQuery: (seconds: number) => Promise<unknown> };
}

/**
 * inventory-service, declared once: what it publishes (through its PostgreSQL outbox) and what
 * it consumes, its own `inventory.stock-changed` included (the MongoDB stock-level read model).
 */
export const inventoryService = defineService<InventoryServiceDeps>({
  name: 'inventory-service',
  produces: [InventoryReserved, InventoryRejected, InventoryReleased, InventoryStockChanged],
  consumes: [
    // v2, and v1 through its upcaster: v1 messages still in the stream or replayed from DLQ.
    consume(
      OrderCreated,
      (deps: InventoryServiceDeps) => onOrderCreated(deps.reservations, deps.outcomes, deps.faults),
      { versions: [1, 2] },
    ),
    consume(OrderCancelled, (deps: InventoryServiceDeps) =>
      onOrderCancelled(deps.reservations, deps.outcomes),
    ),
    // Many at a time: a change applies only over an older stream sequence, so the newest wins in
    // any order, and the changes handled together share two MongoDB commands (StockLevelRepository).
    consume(InventoryStockChanged, (deps: InventoryServiceDeps) => onStockChanged(deps.stockLevels), {
      concurrency: 16,
    }),
  ],
});
