import type { EventData } from '@demo/bus';
import type { catalog } from './catalog.js';
import type {
  InventoryRejected,
  InventoryReleased,
  InventoryReserved,
  InventoryStockChanged,
} from './inventory.js';
import type { OrderCancelled, OrderConfirmed, OrderCreated, OrderRejected } from './orders.js';
import type { UserCreated, UserDeleted } from './users.js';

export type { AsyncApiDocument } from './asyncapi.js';
export { buildAsyncApiDocument, renderAsyncApiDocument } from './asyncapi.js';
export type { EventConsumer, EventRoute, ServiceName } from './catalog.js';
export { catalog, streams, topology } from './catalog.js';
export { fields } from './fields.js';
export {
  InventoryRejected,
  InventoryReleased,
  InventoryReserved,
  InventoryStockChanged,
} from './inventory.js';
export { OrderCancelled, OrderConfirmed, OrderCreated, OrderRejected } from './orders.js';
export { DLQ, INVENTORY, ORDERS, USERS } from './streams.js';
export { streamsFor, subjectMatches } from './subjects.js';
export { UserCreated, UserDeleted } from './users.js';

export type UserCreatedData = EventData<typeof UserCreated>;
export type UserDeletedData = EventData<typeof UserDeleted>;
export type OrderCreatedData = EventData<typeof OrderCreated>;
export type OrderConfirmedData = EventData<typeof OrderConfirmed>;
export type OrderRejectedData = EventData<typeof OrderRejected>;
export type OrderCancelledData = EventData<typeof OrderCancelled>;
export type InventoryReservedData = EventData<typeof InventoryReserved>;
export type InventoryRejectedData = EventData<typeof InventoryRejected>;
export type InventoryReleasedData = EventData<typeof InventoryReleased>;
export type InventoryStockChangedData = EventData<typeof InventoryStockChanged>;

/** Any event of the catalog. */
export type CatalogEvent = (typeof catalog)[number];
/** One line of an order: `{ sku, quantity }`. */
export type OrderLine = OrderCreatedData['items'][number];
export type StockRejectionReason = InventoryRejectedData['reason'];
export type OrderCancellationReason = OrderCancelledData['reason'];
export type OrderRejectionReason = OrderRejectedData['reason'];
export type StockChangeCause = InventoryStockChangedData['cause'];
