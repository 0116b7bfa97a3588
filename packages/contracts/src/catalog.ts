import type { EventContract } from '@demo/bus';
import {
  InventoryRejected,
  InventoryReleased,
  InventoryReserved,
  InventoryStockChanged,
} from './inventory.js';
import { OrderCancelled, OrderConfirmed, OrderCreatedV1, OrderCreatedV2, OrderRejected } from './orders.js';
import { DLQ, INVENTORY, ORDERS, USERS } from './streams.js';
import { UserCreated, UserDeleted } from './users.js';

/**
 * Every version of every event of the catalog. A version stays here as long as messages of it
 * may exist (in a stream, an outbox or the DLQ): consumers read it through its upcasters.
 */
export const catalog = [
  UserCreated,
  UserDeleted,
  OrderCreatedV1,
  OrderCreatedV2,
  OrderConfirmed,
  OrderRejected,
  OrderCancelled,
  InventoryReserved,
  InventoryRejected,
  InventoryReleased,
  InventoryStockChanged,
] as const;

/** Every stream: one per domain, and the dead letters. */
export const streams = [USERS, ORDERS, INVENTORY, DLQ] as const;

export type ServiceName = 'user-service' | 'order-service' | 'inventory-service';

export interface EventConsumer {
  readonly service: ServiceName;
  /** What the consumer does with the event. */
  readonly purpose: string;
}

/** Who publishes an event and who consumes it. */
export interface EventRoute {
  /** The version the producer publishes now; consumers read it and every older version of the catalog. */
  readonly event: EventContract;
  readonly producer: ServiceName;
  readonly consumers: readonly EventConsumer[];
}

/** The producer and consumers of every event in the catalog (the table in ARCHITECTURE.md). */
export const topology: readonly EventRoute[] = [
  {
    event: UserCreated,
    producer: 'user-service',
    consumers: [{ service: 'order-service', purpose: 'record the customer projection' }],
  },
  {
    event: UserDeleted,
    producer: 'user-service',
    consumers: [{ service: 'order-service', purpose: 'cancel pending orders and drop the customer' }],
  },
  {
    event: OrderCreatedV2,
    producer: 'order-service',
    consumers: [{ service: 'inventory-service', purpose: 'reserve stock' }],
  },
  {
    event: OrderConfirmed,
    producer: 'order-service',
    consumers: [{ service: 'user-service', purpose: "update the user's order count and last order" }],
  },
  {
    event: OrderRejected,
    producer: 'order-service',
    consumers: [{ service: 'user-service', purpose: "record the user's rejected order" }],
  },
  {
    event: OrderCancelled,
    producer: 'order-service',
    consumers: [{ service: 'inventory-service', purpose: 'release the reserved stock' }],
  },
  {
    event: InventoryReserved,
    producer: 'inventory-service',
    consumers: [{ service: 'order-service', purpose: 'confirm the order' }],
  },
  {
    event: InventoryRejected,
    producer: 'inventory-service',
    consumers: [{ service: 'order-service', purpose: 'reject the order' }],
  },
  { event: InventoryReleased, producer: 'inventory-service', consumers: [] },
  {
    event: InventoryStockChanged,
    producer: 'inventory-service',
    consumers: [{ service: 'inventory-service', purpose: 'update the stock-level read model' }],
  },
];

/** Every version of `subject` in the catalog, oldest first. */
export function versionsOf(subject: string): EventContract[] {
  return catalog.filter((event) => event.subject === subject).sort((a, b) => a.version - b.version);
}
