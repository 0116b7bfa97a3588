import type { Handler } from '@demo/bus';
import type { InventoryRejected, InventoryReserved, UserCreated, UserDeleted } from '@demo/contracts';
import type { CustomersRepository } from '../db/customers-repository.js';
import type { OrderSaga } from './order-saga.js';

/*
 * The handlers of the events this service consumes (declared in `service.ts`). Every handler is
 * idempotent: the projection writes are upserts of the event's values, and an order moves only
 * from `PENDING`, so a redelivery changes nothing and publishes nothing.
 */

export function onUserCreated(customers: CustomersRepository): Handler<typeof UserCreated> {
  return async (data, ctx) => {
    await customers.record({ ...data, createdAt: new Date(data.createdAt) });
    ctx.logger.info({ userId: data.userId }, 'customer recorded');
  };
}

export function onUserDeleted(customers: CustomersRepository, saga: OrderSaga): Handler<typeof UserDeleted> {
  return async (data, ctx) => {
    // The deletion first, then the search: an order placed meanwhile sees it (OrderSaga.place).
    await customers.markDeleted(data.userId, new Date(data.deletedAt));
    const cancelled = await saga.cancelPendingOf(data.userId, ctx.logger);
    ctx.logger.info({ userId: data.userId, cancelled: cancelled.length }, 'customer deleted');
  };
}

export function onInventoryReserved(saga: OrderSaga): Handler<typeof InventoryReserved> {
  return async (data, ctx) => {
    await saga.advance(data.orderId, { type: 'stock-reserved', total: data.total }, ctx.logger);
  };
}

export function onInventoryRejected(saga: OrderSaga): Handler<typeof InventoryRejected> {
  return async (data, ctx) => {
    await saga.advance(data.orderId, { type: 'stock-rejected', reason: data.reason }, ctx.logger);
  };
}
