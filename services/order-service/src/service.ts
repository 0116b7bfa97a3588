import {
  InventoryRejected,
  InventoryReserved,
  OrderCancelled,
  OrderConfirmed,
  OrderCreated,
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
  produces: [OrderCreated, OrderConfirmed, OrderRejected, OrderCancelled],
  consumes: [
    consume(UserCreated, (deps: OrderServiceDeps) => onUserCreated(deps.customers)),
    consume(UserDeleted, (deps: OrderServiceDeps) => onUserDeleted(deps.customers, deps.saga)),
    consume(InventoryReserved, (deps: OrderServiceDeps) => onInventoryReserved(deps.saga)),
    consume(InventoryRejected, (deps: OrderServiceDeps) => onInventoryRejected(deps.saga)),
  ],
});
