import type { EventData } from '@demo/bus';
import type { catalog } from './catalog.js';
import type {
  InventoryRejected,
  InventoryReleased,
  InventoryReserved,
  InventoryStockChanged,
} from './inventory.js';
import type {
  OrderCancelled,
  OrderConfirmed,
  OrderCreated,
  OrderCreatedV1,
  OrderCreatedV2,
  OrderRejected,
} from './orders.js';
import type { UserCreated, UserDeleted } from './users.js';

export type { AsyncApiDocument } from './asyncapi.js';
export { buildAsyncApiDocument, renderAsyncApiDocument } from './asyncapi.js';
export type { EventConsumer, EventRoute, ServiceName } from './catalog.js';
export { catalog, streams, topology, versionsOf } from './catalog.js';
export type { CatalogReport, ChangeKind, SchemaChange, VersionReport } from './compatibility.js';
export { checkCatalog, compareSchemas } from './compatibility.js';
export { fields, IMPLIED_CURRENCY } from './fields.js';
export {
  InventoryRejected,
  InventoryReleased,
  InventoryReserved,
  InventoryStockChanged,
} from './inventory.js';
export type { JsonSchema } from './json-schema.js';
export { eventJsonSchema, renderJsonSchema, schemaFileName } from './json-schema.js';
export {
  OrderCancelled,
  OrderConfirmed,
  OrderCreated,
  OrderCreatedV1,
  OrderCreatedV2,
  OrderRejected,
  orderCreatedV1toV2,
} from './orders.js';
export { readReleasedSchemas, writeReleasedSchemas } from './released.js';
export { DLQ, INVENTORY, ORDERS, USERS } from './streams.js';
export { streamsFor, subjectMatches } from './subjects.js';
export { UserCreated, UserDeleted } from './users.js';

export type UserCreatedData = EventData<typeof UserCreated>;
export type UserDeletedData = EventData<typeof UserDeleted>;
/** Data of the current version of `orders.created`. */
export type OrderCreatedData = EventData<typeof OrderCreated>;
export type OrderCreatedV1Data = EventData<typeof OrderCreatedV1>;
export type OrderCreatedV2Data = EventData<typeof OrderCreatedV2>;
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
export type OrderLine = OrderCreatedV1Data['items'][number];
/** One line of an order with its quoted unit price: `{ sku, quantity, unitPrice }` (`null`: none quoted). */
export type QuotedOrderLine = OrderCreatedV2Data['items'][number];
export type StockRejectionReason = InventoryRejectedData['reason'];
export type OrderCancellationReason = OrderCancelledData['reason'];
export type OrderRejectionReason = OrderRejectedData['reason'];
export type StockChangeCause = InventoryStockChangedData['cause'];
