import type { Bus, EventContract, MessageContext, SubscribeOptions } from '@demo/bus';
import { OrderConfirmed, OrderRejected } from '@demo/contracts';
import { withAppContext } from '@demo/telemetry';
import type { UserRepository } from '../db/users-repository.js';
import type { OrderOutcome } from '../domain/order-stats.js';

const SERVICE = 'user-service';

/** `<service>--<subject with dashes>`: one durable consumer per service and event. */
export function durableName(event: EventContract): string {
  return `${SERVICE}--${event.subject.replaceAll('.', '-')}`;
}

const delivery: Omit<SubscribeOptions, 'durable'> = {
  concurrency: 8,
  maxDeliver: 5,
  backoffMs: [500, 2_000, 5_000],
};

/** What both outcome events carry that this service needs. */
interface OrderOutcomeData {
  orderId: string;
  userId: string;
}

function countOutcome(users: UserRepository, outcome: OrderOutcome) {
  return (data: OrderOutcomeData, ctx: MessageContext): Promise<void> =>
    withAppContext({ 'app.order.id': data.orderId, 'app.user.id': data.userId }, () => record(data, ctx));
  async function record(data: OrderOutcomeData, ctx: MessageContext): Promise<void> {
    const result = await users.applyOrderOutcome({
      eventId: ctx.eventId,
      subject: ctx.subject,
      userId: data.userId,
      outcome,
      at: ctx.time,
    });
    const log = { userId: data.userId, orderId: data.orderId, outcome };
    if (result === 'duplicate') ctx.logger.info(log, 'event already applied; redelivery ignored');
    // Deleted meanwhile: nothing to count, and retrying would not change that.
    else if (result === 'unknown_user') ctx.logger.warn(log, 'order outcome for an unknown user; skipped');
    else ctx.logger.info(log, 'order outcome recorded');
  }
}

/** `orders.confirmed` and `orders.rejected` keep each user's order counts and last order time. */
export async function subscribeOrderOutcomes(bus: Bus, users: UserRepository): Promise<void> {
  await bus.subscribe(OrderConfirmed, countOutcome(users, 'confirmed'), {
    durable: durableName(OrderConfirmed),
    ...delivery,
  });
  await bus.subscribe(OrderRejected, countOutcome(users, 'rejected'), {
    durable: durableName(OrderRejected),
    ...delivery,
  });
}
