import type { Bus, EventContract, Handler, SubscribeOptions } from '@demo/bus';
import { InventoryStockChanged, OrderCancelled, OrderCreated } from '@demo/contracts';
import type { BusinessCounter } from '@demo/telemetry';
import type { ReservationRepository } from '../db/reservation-repository.js';
import type { StockLevelRepository } from '../db/stock-level-repository.js';
import { onOrderCancelled } from './order-cancelled.js';
import { onOrderCreated } from './order-created.js';
import { onStockChanged } from './stock-changed.js';

export const SERVICE = 'inventory-service';

/** `inventory-service--orders-created`: one durable consumer per service and event. */
export function durableName(event: EventContract): string {
  return `${SERVICE}--${event.subject.replaceAll('.', '-')}`;
}

const RETRY = { maxDeliver: 5, backoffMs: [500, 2_000, 5_000] } as const;

export interface SubscriptionDeps {
  reservations: ReservationRepository;
  stockLevels: StockLevelRepository;
  outcomes: BusinessCounter<{ outcome: string }>;
}

/** Starts every consumer of this service. */
export async function subscribeAll(bus: Bus, deps: SubscriptionDeps): Promise<void> {
  const subscribe = <E extends EventContract>(
    event: E,
    handler: Handler<E>,
    options: Partial<SubscribeOptions> = {},
  ) => bus.subscribe(event, handler, { durable: durableName(event), concurrency: 8, ...RETRY, ...options });

  // v2, and v1 through its upcaster: v1 messages still in the stream or replayed from DLQ.
  await subscribe(OrderCreated, onOrderCreated(deps.reservations, deps.outcomes), { versions: [1, 2] });
  await subscribe(OrderCancelled, onOrderCancelled(deps.reservations, deps.outcomes));
  // One at a time: a SKU's changes apply in stream order (the sequence filter then only guards redeliveries).
  await subscribe(InventoryStockChanged, onStockChanged(deps.stockLevels), { concurrency: 1 });
}
