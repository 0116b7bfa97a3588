/** How an order of the user ended, as order-service announces it. */
export type OrderOutcome = 'confirmed' | 'rejected';

/** The part of a user that follows their orders. */
export interface OrderStats {
  orderCount: number;
  rejectedOrderCount: number;
  lastOrderAt: Date | null;
}

/**
 * Counts one order outcome. `lastOrderAt` only moves forward: an event delivered late (after a
 * newer one) still counts but does not set the last order back in time.
 */
export function recordOrderOutcome(stats: OrderStats, outcome: OrderOutcome, at: Date): OrderStats {
  const lastOrderAt =
    stats.lastOrderAt !== null && stats.lastOrderAt.getTime() >= at.getTime() ? stats.lastOrderAt : at;
  return outcome === 'confirmed'
    ? { ...stats, orderCount: stats.orderCount + 1, lastOrderAt }
    : { ...stats, rejectedOrderCount: stats.rejectedOrderCount + 1, lastOrderAt };
}
