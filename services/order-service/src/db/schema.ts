import type { OrderLine } from '@demo/contracts';
import type { Collection, Db } from 'mongodb';
import type { IdempotencyRecord } from '../domain/idempotency.js';
import type { OrderReason, OrderStatus } from '../domain/order.js';

/**
 * The MongoDB documents of this service. There are no multi-document transactions (FerretDB
 * has none): every state change and the event announcing it are one write to one document.
 */

/** An event an order announced, written in the same update as the change it announces. */
export interface OutboxEntry {
  id: string;
  subject: string;
  data: unknown;
  traceContext: Record<string, string>;
  createdAt: Date;
}

export interface OrderDocument {
  /** The order id (a UUID). */
  _id: string;
  userId: string;
  items: OrderLine[];
  status: OrderStatus;
  reason?: OrderReason;
  total?: number;
  /**
   * Placed under an `Idempotency-Key`: the key and the request's fingerprint. Such an order's
   * `_id` is derived from its user and key (`keyedOrderId`), so the `_id` index keeps a key to
   * one order; no index of its own.
   */
  idempotency?: IdempotencyRecord;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Every event this order announced, in the order they were written (kept after publishing:
   * the order's history). Which are still unpublished is in the `outbox` collection.
   */
  events: OutboxEntry[];
}

/** An event not yet published, in the `outbox` collection: which order holds it. */
export interface PendingEventDocument {
  /** The event id. */
  _id: string;
  orderId: string;
  createdAt: Date;
}

export interface CustomerDocument {
  /** The user id (a UUID). */
  _id: string;
  email?: string;
  name?: string;
  createdAt?: Date;
  deletedAt?: Date;
}

export interface Collections {
  orders: Collection<OrderDocument>;
  /** Events not yet published (see `PendingEventsLog`). */
  outbox: Collection<PendingEventDocument>;
  customers: Collection<CustomerDocument>;
}

export function collections(db: Db): Collections {
  return {
    orders: db.collection<OrderDocument>('orders'),
    outbox: db.collection<PendingEventDocument>('outbox'),
    customers: db.collection<CustomerDocument>('customers'),
  };
}

/**
 * Creates the indexes: the schema "migration" of a document store, idempotent and safe when
 * two instances start at once.
 */
export async function ensureIndexes({ orders }: Pick<Collections, 'orders'>): Promise<void> {
  const indexes: Array<{ key: Record<string, 1 | -1>; name: string; sparse?: boolean }> = [
    { key: { userId: 1, createdAt: -1 }, name: 'orders_by_user' },
    { key: { status: 1 }, name: 'orders_by_status' },
    { key: { createdAt: -1, _id: -1 }, name: 'orders_by_created' },
  ];
  // The relay needs no index on `orders`: it reads the small `outbox` collection and looks
  // orders up by `_id` only.
  // One at a time: FerretDB 1.24 drops the connection when one `createIndexes` names several
  // indexes that already exist (every start after the first).
  for (const { key, ...options } of indexes) await orders.createIndex(key, options);
  // Earlier versions kept pending events in the orders and indexed them; that index only costs writes now.
  const existing = await orders.listIndexes().toArray();
  if (existing.some((index) => index.name === 'orders_outbox')) await orders.dropIndex('orders_outbox');
}
