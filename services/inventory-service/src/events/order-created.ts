import type { Handler } from '@demo/bus';
import type { OrderCreated } from '@demo/contracts';
import type { Faults } from '@demo/fault-switches';
import { type BusinessCounter, withAppContext } from '@demo/telemetry';
import type { ReservationRepository } from '../db/reservation-repository.js';

/**
 * `orders.created` (v2; v1 arrives upcast, without quoted prices) → reserve every line or refuse
 * the order (`inventory.reserved` / `inventory.rejected`).
 */
export function onOrderCreated(
  reservations: ReservationRepository,
  outcomes: BusinessCounter<{ outcome: string }>,
  faults?: { switches: Faults; slowQuery: (seconds: number) => Promise<unknown> },
): Handler<typeof OrderCreated> {
  return (order, ctx) =>
    // The order's id on this span and its children even when the message came without baggage.
    withAppContext({ 'app.order.id': order.orderId }, async () => {
      await faults?.switches.delay('reservationLatencyMs');
      await faults?.switches.slowDatabase(faults.slowQuery);
      const result = await reservations.reserve(order);
      if (result.outcome !== 'duplicate') outcomes.add(1, { outcome: result.outcome });
      ctx.logger.info({ orderId: order.orderId, ...result }, 'order processed');
    });
}
