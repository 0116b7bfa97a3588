import type { Bus, EventContract, Handler, SubscribeOptions } from '@demo/bus';
import { InventoryRejected, InventoryReserved, UserCreated, UserDeleted } from '@demo/contracts';
import type { CustomersRepository } from '../db/customers-repository.js';
import type { OrderSaga } from './order-saga.js';

export const SERVICE = 'order-service';

/** `<service>--<subject with dots as dashes>`: one durable consumer per service and event. */
export function durableName(event: EventContract): string {
  return `${SERVICE}--${event.subject.replaceAll('.', '-')}`;
}

const delivery: Omit<SubscribeOptions, 'durable'> = {
  concurrency: 8,
  maxDeliver: 5,
  backoffMs: [500, 2_000, 5_000],
};

export interface SubscriptionDeps {
  customers: CustomersRepository;
  saga: OrderSaga;
}

/**
 * The events this service consumes, each to its handler. Every handler is idempotent: the
 * projection writes are upserts of the event's values, and an order moves only from
 * `PENDING`, so a redelivery changes nothing and publishes nothing.
 */
export async function subscribeAll(bus: Bus, { customers, saga }: SubscriptionDeps): Promise<void> {
  const on = async <E extends EventContract>(event: E, handler: Handler<E>): Promise<void> => {
    await bus.subscribe(event, handler, { ...delivery, durable: durableName(event) });
  };

  await Promise.all([
    on(UserCreated, async (data, ctx) => {
      await customers.record({ ...data, createdAt: new Date(data.createdAt) });
      ctx.logger.info({ userId: data.userId }, 'customer recorded');
    }),
    on(UserDeleted, async (data, ctx) => {
      // The deletion first, then the search: an order placed meanwhile sees it (OrderSaga.place).
      await customers.markDeleted(data.userId, new Date(data.deletedAt));
      const cancelled = await saga.cancelPendingOf(data.userId, ctx.logger);
      ctx.logger.info({ userId: data.userId, cancelled: cancelled.length }, 'customer deleted');
    }),
    on(InventoryReserved, async (data, ctx) => {
      await saga.advance(data.orderId, { type: 'stock-reserved', total: data.total }, ctx.logger);
    }),
    on(InventoryRejected, async (data, ctx) => {
      await saga.advance(data.orderId, { type: 'stock-rejected', reason: data.reason }, ctx.logger);
    }),
  ]);
}
