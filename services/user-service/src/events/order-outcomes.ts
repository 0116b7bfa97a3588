import type { MessageContext } from '@demo/bus';
import type { Faults } from '@demo/fault-switches';
import { withAppContext } from '@demo/telemetry';
import type { UserRepository } from '../db/users-repository.js';
import type { OrderOutcome } from '../domain/order-stats.js';

/** What both outcome events carry that this service needs. */
interface OrderOutcomeData {
  orderId: string;
  userId: string;
}

/** `orders.confirmed` and `orders.rejected` keep each user's order counts and last order time. */
export function countOrderOutcome(users: UserRepository, outcome: OrderOutcome, faults?: Faults) {
  return (data: OrderOutcomeData, ctx: MessageContext): Promise<void> =>
    withAppContext({ 'app.order.id': data.orderId, 'app.user.id': data.userId }, () => record(data, ctx));
  async function record(data: OrderOutcomeData, ctx: MessageContext): Promise<void> {
    // The demo's fault switches: a stalled consumer, an error rate (off unless switched on).
    await faults?.delay('consumerStallMs');
    faults?.maybeFail('handlerErrorRate');
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
