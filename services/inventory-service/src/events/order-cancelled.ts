import type { Handler } from '@demo/bus';
import type { OrderCancelled } from '@demo/contracts';
import { type BusinessCounter, withAppContext } from '@demo/telemetry';
import type { ReservationRepository } from '../db/reservation-repository.js';

/** `orders.cancelled` → return the order's reserved stock, once (`inventory.released`). */
export function onOrderCancelled(
  reservations: ReservationRepository,
  outcomes: BusinessCounter<{ outcome: string }>,
): Handler<typeof OrderCancelled> {
  return (order, ctx) =>
    // The order's id on this span and its children even when the message came without baggage.
    withAppContext({ 'app.order.id': order.orderId }, async () => {
      const result = await reservations.release(order.orderId, order.reason);
      if (result.outcome === 'released') outcomes.add(1, { outcome: 'released' });
      ctx.logger.info({ orderId: order.orderId, ...result }, 'order cancellation processed');
    });
}
