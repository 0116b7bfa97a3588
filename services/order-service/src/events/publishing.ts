import { type PendingEvent, pendingEvent } from '@demo/bus';
import {
  OrderCancelled,
  OrderConfirmed,
  OrderCreatedV1,
  OrderCreatedV2,
  OrderRejected,
} from '@demo/contracts';
import type { OrderEvent } from '../domain/order.js';

/**
 * What this service publishes, all through the outbox inside its order documents. `orders.created`
 * is written as v2; v1 stays listed so that entries written before the upgrade still go out (as v1).
 */
export const producedEvents = [
  OrderCreatedV2,
  OrderCreatedV1,
  OrderConfirmed,
  OrderRejected,
  OrderCancelled,
] as const;

/**
 * The outbox entry of a domain event: validated strictly against its contract now (bad data
 * fails the write, not the relay), with a new id and the active trace context.
 */
export function toPendingEvent(event: OrderEvent): PendingEvent {
  switch (event.subject) {
    case 'orders.created':
      return pendingEvent(OrderCreatedV2, event.data);
    case 'orders.confirmed':
      return pendingEvent(OrderConfirmed, event.data);
    case 'orders.rejected':
      return pendingEvent(OrderRejected, event.data);
    case 'orders.cancelled':
      return pendingEvent(OrderCancelled, event.data);
  }
}

/** Called once a write that queued `events` has been committed. */
export type AfterCommit = (events: readonly PendingEvent[]) => void;
