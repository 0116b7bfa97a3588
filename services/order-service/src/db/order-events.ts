import { type PendingEvent, pendingEvent } from '@demo/bus';
import { OrderCancelled, OrderConfirmed, OrderCreated, OrderRejected } from '@demo/contracts';
import type { OrderEvent } from '../domain/order.js';

/**
 * The outbox entry of a domain event: validated strictly against its contract now (bad data
 * fails the write, not the relay), with a new id and the active trace context.
 */
export function toPendingEvent(event: OrderEvent): PendingEvent {
  switch (event.subject) {
    case 'orders.created':
      return pendingEvent(OrderCreated, event.data);
    case 'orders.confirmed':
      return pendingEvent(OrderConfirmed, event.data);
    case 'orders.rejected':
      return pendingEvent(OrderRejected, event.data);
    case 'orders.cancelled':
      return pendingEvent(OrderCancelled, event.data);
  }
}
