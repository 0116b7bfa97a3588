import { randomUUID } from 'node:crypto';
import { type PendingEvent, pendingEvent } from '@demo/bus';
import {
  InventoryRejected,
  InventoryReleased,
  InventoryReserved,
  InventoryStockChanged,
  type OrderCancellationReason,
  type OrderCreatedData,
  type StockRejectionReason,
} from '@demo/contracts';
import type { Committed } from '@demo/service';
import type pg from 'pg';
import { formatMoney } from '../domain/money.js';
import { lockOrder, mergeLines, planRelease, planReservation, type StockChange } from '../domain/stock.js';
import { isUniqueViolation } from './client.js';
import {
  lockForRelease,
  lockForReserve,
  type ReleaseLock,
  type ReleaseLockRow,
  type ReserveLock,
  type ReserveLockRow,
  readReleaseLock,
  readReserveLock,
  writeCancelled,
  writeRejected,
  writeReleased,
  writeReserved,
} from './reservation-statements.js';
import type { ReservationStatus } from './schema.js';
import { type Decision, twoStepTransaction } from './two-step-transaction.js';

export type { ReservationStatus } from './schema.js';

/** What `orders.created` did. `duplicate`: the order already had a reservation row (redelivery, race, cancelled first). */
export type ReserveOutcome =
  | { outcome: 'reserved'; reservationId: string; total: number }
  | { outcome: 'rejected'; reason: StockRejectionReason }
  | { outcome: 'duplicate'; status?: ReservationStatus };

/** What `orders.cancelled` did. `unchanged`: nothing was held (already released, rejected or cancelled). */
export type ReleaseOutcome =
  | { outcome: 'released'; reservationId: string }
  | { outcome: 'cancelled-before-reservation' }
  | { outcome: 'unchanged'; status: ReservationStatus };

const ORDER_ID_UNIQUE = 'reservations_order_id_unique';

/** What a transaction decided: its outcome and the events it wrote, for the relay once it committed. */
interface Decided<T> {
  result: T;
  events: PendingEvent[];
}

/**
 * Reservations in PostgreSQL. Each operation is one transaction that locks the stock rows it
 * touches in SKU order (no deadlock between orders), changes stock (and each row's version) and
 * the reservation, and writes its events to the outbox; the commit listener hears about them
 * afterwards, not necessarily in commit order, hence the version on every stock change. A
 * transaction is two statements (`reservation-statements.ts`): one that locks what the plan
 * needs, and one that writes the plan; on the pool's pipelined clients that is two round trips,
 * the stock rows locked for one of them.
 */
export class ReservationRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly committed: Committed,
  ) {}

  /** Reserves every line of the order or none; a second call for the same order changes nothing. */
  async reserve(order: OrderCreatedData): Promise<ReserveOutcome> {
    let decided: Decided<ReserveOutcome>;
    try {
      decided = await twoStepTransaction(
        this.pool,
        lockForReserve(order.orderId, lockOrder(order.items)),
        (rows: ReserveLockRow[]) => decideReservation(order, readReserveLock(rows)),
      );
    } catch (error) {
      // Another delivery of the same order committed first: its effect stands, ours rolled back.
      if (isUniqueViolation(error, ORDER_ID_UNIQUE)) return { outcome: 'duplicate' };
      throw error;
    }
    this.committed(decided.events);
    return decided.result;
  }

  /**
   * Releases the order's reservation once. Without a reservation yet, records the order as
   * cancelled so that a late `orders.created` reserves nothing.
   */
  async release(orderId: string, reason: OrderCancellationReason): Promise<ReleaseOutcome> {
    try {
      return await this.releaseOnce(orderId, reason);
    } catch (error) {
      // `orders.created` inserted the row between our look and our insert: look again, now it is there.
      if (isUniqueViolation(error, ORDER_ID_UNIQUE)) return this.releaseOnce(orderId, reason);
      throw error;
    }
  }

  private async releaseOnce(orderId: string, reason: OrderCancellationReason): Promise<ReleaseOutcome> {
    const decided = await twoStepTransaction(this.pool, lockForRelease(orderId), (rows: ReleaseLockRow[]) =>
      decideRelease(orderId, reason, readReleaseLock(rows)),
    );
    this.committed(decided.events);
    return decided.result;
  }
}

/** From what the lock read: nothing (a duplicate), or the reservation or refusal to write, with its events. */
function decideReservation(order: OrderCreatedData, lock: ReserveLock): Decision<Decided<ReserveOutcome>> {
  if (lock.existing) {
    return { outcome: { result: { outcome: 'duplicate', status: lock.existing }, events: [] } };
  }
  const plan = planReservation(order.items, lock.stock);
  if (plan.outcome === 'rejected') {
    const events = [
      pendingEvent(InventoryRejected, { orderId: order.orderId, reason: plan.reason, items: plan.lines }),
    ];
    return {
      write: writeRejected(
        { orderId: order.orderId, lines: mergeLines(order.items), reason: plan.reason },
        events,
      ),
      outcome: { result: { outcome: 'rejected', reason: plan.reason }, events },
    };
  }
  const reservationId = randomUUID();
  const events = [
    pendingEvent(InventoryReserved, {
      orderId: order.orderId,
      reservationId,
      items: plan.lines,
      total: plan.total,
    }),
    ...stockChangedEvents(plan.changes, 'reserved', order.orderId),
  ];
  return {
    write: writeReserved(
      { id: reservationId, orderId: order.orderId, lines: plan.lines, total: formatMoney(plan.total) },
      plan.changes,
      events,
    ),
    outcome: { result: { outcome: 'reserved', reservationId, total: plan.total }, events },
  };
}

/** From what the lock read: the `CANCELLED` row, nothing (not held), or the release to write, with its events. */
function decideRelease(
  orderId: string,
  reason: OrderCancellationReason,
  lock: ReleaseLock,
): Decision<Decided<ReleaseOutcome>> {
  if (!lock.reservation) {
    return {
      write: writeCancelled(orderId, reason),
      outcome: { result: { outcome: 'cancelled-before-reservation' }, events: [] },
    };
  }
  const { reservation } = lock;
  if (reservation.status !== 'RESERVED') {
    return { outcome: { result: { outcome: 'unchanged', status: reservation.status }, events: [] } };
  }
  const changes = planRelease(reservation.items, lock.stock);
  const events = [
    pendingEvent(InventoryReleased, { orderId, reservationId: reservation.id }),
    ...stockChangedEvents(changes, 'released', orderId),
  ];
  return {
    write: writeReleased(reservation.id, reason, changes, events),
    outcome: { result: { outcome: 'released', reservationId: reservation.id }, events },
  };
}

/** The `inventory.stock-changed` events of `changes`, each with the SKU's new version. */
export function stockChangedEvents(
  changes: readonly StockChange[],
  cause: 'reserved' | 'released',
  orderId: string,
): PendingEvent[] {
  return changes.map((c) =>
    pendingEvent(InventoryStockChanged, {
      sku: c.sku,
      available: c.available,
      reserved: c.reserved,
      change: c.change,
      cause,
      orderId,
      version: c.version,
    }),
  );
}
