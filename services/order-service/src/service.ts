import {
  InventoryRejected,
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  OrderCreated,
  OrderCreatedV1,
  OrderRejected,
  UserCreated,
  UserDeleted,
} from '@demo/contracts';
import { consume, defineService } from '@demo/service';
import type { CustomersRepository } from './db/customers-repository.js';
import type { OrderSaga } from './events/order-saga.js';
import {
  onInventoryRejected,
  onInventoryReserved,
  onUserCreated,
  onUserDeleted,
} from './events/subscriptions.js';

/** Handlers of `inventory.reserved` (and of `inventory.rejected`) running at once. */
const SAGA_ANSWERS_AT_ONCE = 32;

/** What the handlers of this service need. */
export interface OrderServiceDeps {
  customers: CustomersRepository;
  saga: OrderSaga;
}

/**
 * order-service, declared once: what it publishes (through the outbox inside its order
 * documents) and what it consumes. Every handler is idempotent (see `events/subscriptions.ts`).
 */
export const orderService = defineService<OrderServiceDeps>({
  name: 'order-service',
  // orders.created is written as v2; v1 stays so that outbox entries written before the upgrade go out as v1.
  produces: [OrderCreated, OrderCreatedV1, OrderConfirmed, OrderRejected, OrderCancelled],
  consumes: [
    consume(UserCreated, (deps: OrderServiceDeps) => onUserCreated(deps.customers)),
    consume(UserDeleted, (deps: OrderServiceDeps) => onUserDeleted(deps.customers, deps.saga)),
    // The saga's answers, 32 at a time: each is a write or two to its own order document (the
    // document locks order those of one order), and at 8 they queued behind MongoDB round trips.
    consume(InventoryReserved, (deps: OrderServiceDeps) => onInventoryReserved(deps.saga), {
      concurrency: SAGA_ANSWERS_AT_ONCE,
    }),
    consume(InventoryRejected, (deps: OrderServiceDeps) => onInventoryRejected(deps.saga), {
      concurrency: SAGA_ANSWERS_AT_ONCE,
    }),
  ],
});
