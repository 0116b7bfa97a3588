import type { OrderLine } from '@demo/contracts';
import type { Collection, Db } from 'mongodb';
import type { OrderReason, OrderStatus } from '../domain/order.js';

/**
 * The MongoDB documents of this service. There are no multi-document transactions (FerretDB
 * has none): every state change and the event announcing it are one write to one document.
 */

/** An event waiting in its order's `outbox`; removed once JetStream has acknowledged it. */
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
  createdAt: Date;
  updatedAt: Date;
  /** Events of this order not yet published, in the order they were written. */
  outbox: OutboxEntry[];
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
  customers: Collection<CustomerDocument>;
}

export function collections(db: Db): Collections {
  return {
    orders: db.collection<OrderDocument>('orders'),
    customers: db.collection<CustomerDocument>('customers'),
  };
}

/**
 * Creates the indexes: the schema "migration" of a document store, idempotent and safe when
 * two instances start at once.
 */
export async function ensureIndexes({ orders }: Collections): Promise<void> {
  const indexes: Array<{ key: Record<string, 1 | -1>; name: string; sparse?: boolean }> = [
    { key: { userId: 1, createdAt: -1 }, name: 'orders_by_user' },
    { key: { status: 1 }, name: 'orders_by_status' },
    { key: { createdAt: -1, _id: -1 }, name: 'orders_by_created' },
    // Sparse and multikey: only orders whose outbox holds events. Serves the relay's
    // `pending()` (`outbox.id` exists) and `markPublished()` (`outbox.id` in the ids).
    { key: { 'outbox.id': 1 }, name: 'orders_outbox', sparse: true },
  ];
  // One at a time: FerretDB 1.24 drops the connection when one `createIndexes` names several
  // indexes that already exist (every start after the first).
  for (const { key, ...options } of indexes) await orders.createIndex(key, options);
}
