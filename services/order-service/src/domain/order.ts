import type {
  OrderCancellationReason,
  OrderCancelledData,
  OrderConfirmedData,
  OrderCreatedV2Data,
  OrderLine,
  OrderRejectedData,
  OrderRejectionReason,
  StockRejectionReason,
} from '@demo/contracts';
import { IMPLIED_CURRENCY } from '@demo/contracts';
import type { IdempotencyRecord } from './idempotency.js';

/**
 * The order and its part in the saga, as pure rules: no driver, no bus, no HTTP. An order is
 * placed `PENDING`; exactly one outcome moves it on, and a settled order never moves again.
 */

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type OrderReason = OrderRejectionReason | OrderCancellationReason;

export interface Order {
  id: string;
  userId: string;
  items: OrderLine[];
  status: OrderStatus;
  /** Why the order was rejected or cancelled. */
  reason?: OrderReason;
  /** What the reserved stock costs, once confirmed. */
  total?: number;
  /** The idempotency key it was placed under, and the fingerprint of that request. */
  idempotency?: IdempotencyRecord;
  createdAt: Date;
  updatedAt: Date;
}

/** What the rest of the saga tells an order. */
export type OrderSignal =
  | { type: 'stock-reserved'; total: number }
  | { type: 'stock-rejected'; reason: StockRejectionReason }
  | { type: 'user-deleted' }
  /** The saga's deadline passed with no answer (an event dead-lettered, a service away too long). */
  | { type: 'deadline-passed' };

/** An event this service announces: its subject and the payload its contract defines. */
export type OrderEvent =
  | { subject: 'orders.created'; data: OrderCreatedV2Data }
  | { subject: 'orders.confirmed'; data: OrderConfirmedData }
  | { subject: 'orders.rejected'; data: OrderRejectedData }
  | { subject: 'orders.cancelled'; data: OrderCancelledData };

/** The outcomes the `demo.orders` metric counts. */
export type OrderOutcome = 'confirmed' | 'rejected' | 'cancelled';

/** A change an order accepts, and the event that announces it. */
export interface Transition {
  /** The status the change applies to: the write is guarded on it (compare and set). */
  from: OrderStatus;
  status: OrderStatus;
  reason?: OrderReason;
  total?: number;
  outcome: OrderOutcome;
  event: OrderEvent;
}

/** A line as placed: the unit price is what the customer was quoted, if anything. */
export type PlacedLine = OrderLine & { unitPrice?: number };

export interface PlaceOrder {
  id: string;
  userId: string;
  items: readonly PlacedLine[];
  now: Date;
  /** The key the request came with (see `keyedOrderId` for its id). */
  idempotency?: IdempotencyRecord;
}

/**
 * A new order, `PENDING`, and the `orders.created` event (v2) that announces it: each line with
 * the unit price quoted to the customer (`null` when none was), in the system's currency.
 */
export function placeOrder({ id, userId, items, now, idempotency }: PlaceOrder): {
  order: Order;
  event: OrderEvent;
} {
  const lines = items.map(({ sku, quantity }) => ({ sku, quantity }));
  const order: Order = { id, userId, items: lines, status: 'PENDING', createdAt: now, updatedAt: now };
  if (idempotency !== undefined)
    order.idempotency = { key: idempotency.key, fingerprint: idempotency.fingerprint };
  return {
    order,
    event: {
      subject: 'orders.created',
      data: {
        orderId: id,
        userId,
        items: items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice: unitPrice ?? null })),
        currency: IMPLIED_CURRENCY,
        createdAt: now.toISOString(),
      },
    },
  };
}

/**
 * The change `signal` makes to `order`, or null when it makes none: only a `PENDING` order
 * moves, so a redelivered or late signal (stock reserved for an order already cancelled)
 * changes nothing and announces nothing.
 */
export function transition(
  order: Pick<Order, 'id' | 'userId' | 'status'>,
  signal: OrderSignal,
): Transition | null {
  if (order.status !== 'PENDING') return null;
  const ids = { orderId: order.id, userId: order.userId };
  switch (signal.type) {
    case 'stock-reserved':
      return {
        from: order.status,
        status: 'CONFIRMED',
        total: signal.total,
        outcome: 'confirmed',
        event: { subject: 'orders.confirmed', data: { ...ids, total: signal.total } },
      };
    case 'stock-rejected':
      return {
        from: order.status,
        status: 'REJECTED',
        reason: signal.reason,
        outcome: 'rejected',
        event: { subject: 'orders.rejected', data: { ...ids, reason: signal.reason } },
      };
    case 'deadline-passed':
      return {
        from: order.status,
        status: 'REJECTED',
        reason: 'deadline_exceeded',
        outcome: 'rejected',
        event: { subject: 'orders.rejected', data: { ...ids, reason: 'deadline_exceeded' } },
      };
    case 'user-deleted':
      return {
        from: order.status,
        status: 'CANCELLED',
        reason: 'user_deleted',
        outcome: 'cancelled',
        event: { subject: 'orders.cancelled', data: { ...ids, reason: 'user_deleted' } },
      };
  }
}

/**
 * After a deadline rejection: the `orders.cancelled` that makes inventory release what it
 * reserved for the order, or refuse to reserve it later (a late or replayed `orders.created`).
 * Null for any other order. Guarded on `REJECTED`: the status does not change.
 */
export function releaseAfterDeadline(
  order: Pick<Order, 'id' | 'userId' | 'status' | 'reason'>,
): Transition | null {
  if (order.status !== 'REJECTED' || order.reason !== 'deadline_exceeded') return null;
  const ids = { orderId: order.id, userId: order.userId };
  return {
    from: 'REJECTED',
    status: 'REJECTED',
    reason: 'deadline_exceeded',
    outcome: 'rejected',
    event: { subject: 'orders.cancelled', data: { ...ids, reason: 'deadline_exceeded' } },
  };
}

/** When a `PENDING` order placed at `placedAt` stops waiting. */
export function sagaDeadline(placedAt: Date, deadlineMs: number): Date {
  return new Date(placedAt.getTime() + deadlineMs);
}
