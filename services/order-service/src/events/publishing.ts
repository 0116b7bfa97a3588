import {
  type BusLogger,
  OutboxRelay,
  type OutboxRelayOptions,
  type OutboxStore,
  type PendingEvent,
  pendingEvent,
} from '@demo/bus';
import { OrderCancelled, OrderConfirmed, OrderCreated, OrderRejected } from '@demo/contracts';
import type { OrderEvent } from '../domain/order.js';

/** What this service publishes, all through the outbox inside its order documents. */
export const producedEvents = [OrderCreated, OrderConfirmed, OrderRejected, OrderCancelled] as const;

export function createOutboxRelay(
  publisher: OutboxRelayOptions['publisher'],
  store: OutboxStore,
  logger: BusLogger,
): OutboxRelay {
  return new OutboxRelay({ publisher, store, contracts: producedEvents, logger, sweepIntervalMs: 2_000 });
}

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

/** Called once a write that queued `events` has been committed. */
export type AfterCommit = (events: readonly PendingEvent[]) => void;

/**
 * After a commit: publish its events now. With `crashAfterCommit` (a subject; tests only) the
 * process is killed instead when the commit wrote an event of that subject, leaving it for the
 * relay's start-up sweep after a restart.
 */
export function publishAfterCommit(
  relay: Pick<OutboxRelay, 'notify'>,
  logger: BusLogger,
  crashAfterCommit: string | undefined,
): AfterCommit {
  return (events) => {
    const crashOn = crashAfterCommit && events.find((e) => e.subject === crashAfterCommit);
    if (crashOn) {
      logger.warn(
        { eventId: crashOn.id, subject: crashOn.subject },
        'FAULT_CRASH_AFTER_COMMIT: killing the process before the relay publishes',
      );
      process.kill(process.pid, 'SIGKILL');
      return;
    }
    relay.notify();
  };
}
