import { randomUUID } from 'node:crypto';
import { type PendingEvent, pendingEvent } from '@demo/bus';
import {
  InventoryRejected,
  InventoryReleased,
  InventoryReserved,
  type OrderCancellationReason,
  type OrderCreatedData,
} from '@demo/contracts';
import type { Committed } from '@demo/service';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { type Database, isUniqueViolation, type Transaction } from '../src/db/client.js';
import { writeOutbox } from '../src/db/outbox.js';
import {
  type ReleaseOutcome,
  type ReserveOutcome,
  stockChangedEvents,
} from '../src/db/reservation-repository.js';
import { inventoryItems, reservations } from '../src/db/schema.js';
import { formatMoney, parseMoney } from '../src/domain/money.js';
import {
  lockOrder,
  mergeLines,
  planRelease,
  planReservation,
  type Stock,
  type StockChange,
} from '../src/domain/stock.js';

const ORDER_ID_UNIQUE = 'reservations_order_id_unique';

/**
 * The reservation path as it was before its statements were folded (one statement per step:
 * the look for a reservation, the lock, the reservation, one update per SKU, the outbox), kept
 * for `bench/reserve.ts` to measure the current one against in the same run. Not used by the
 * service.
 */
export class ReservationRepositoryBefore {
  constructor(
    private readonly db: Database,
    private readonly committed: Committed,
  ) {}

  /** Reserves every line of the order or none; a second call for the same order changes nothing. */
  async reserve(order: OrderCreatedData): Promise<ReserveOutcome> {
    let events: PendingEvent[] = [];
    let result: ReserveOutcome;
    try {
      result = await this.db.transaction(async (tx) => {
        const [existing] = await tx
          .select({ status: reservations.status })
          .from(reservations)
          .where(eq(reservations.orderId, order.orderId));
        if (existing) return { outcome: 'duplicate', status: existing.status } as const;

        const plan = planReservation(order.items, await lockStock(tx, lockOrder(order.items)));
        if (plan.outcome === 'rejected') {
          await tx.insert(reservations).values({
            orderId: order.orderId,
            status: 'REJECTED',
            items: mergeLines(order.items),
            reason: plan.reason,
          });
          events = [
            pendingEvent(InventoryRejected, {
              orderId: order.orderId,
              reason: plan.reason,
              items: plan.lines,
            }),
          ];
          await writeOutbox(tx, events);
          return { outcome: 'rejected', reason: plan.reason } as const;
        }

        const reservationId = randomUUID();
        await tx.insert(reservations).values({
          id: reservationId,
          orderId: order.orderId,
          status: 'RESERVED',
          items: plan.lines,
          total: formatMoney(plan.total),
        });
        await applyChanges(tx, plan.changes);
        events = [
          pendingEvent(InventoryReserved, {
            orderId: order.orderId,
            reservationId,
            items: plan.lines,
            total: plan.total,
          }),
          ...stockChangedEvents(plan.changes, 'reserved', order.orderId),
        ];
        await writeOutbox(tx, events);
        return { outcome: 'reserved', reservationId, total: plan.total } as const;
      });
    } catch (error) {
      // Another delivery of the same order committed first: its effect stands, ours rolled back.
      if (isUniqueViolation(error, ORDER_ID_UNIQUE)) return { outcome: 'duplicate' };
      throw error;
    }
    this.committed(events);
    return result;
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
    let events: PendingEvent[] = [];
    const result = await this.db.transaction(async (tx): Promise<ReleaseOutcome> => {
      const [reservation] = await tx
        .select()
        .from(reservations)
        .where(eq(reservations.orderId, orderId))
        .for('update');
      if (!reservation) {
        await tx.insert(reservations).values({ orderId, status: 'CANCELLED', items: [], reason });
        return { outcome: 'cancelled-before-reservation' };
      }
      if (reservation.status !== 'RESERVED') return { outcome: 'unchanged', status: reservation.status };

      const lines = reservation.items;
      const changes = planRelease(lines, await lockStock(tx, lockOrder(lines)));
      await applyChanges(tx, changes);
      await tx
        .update(reservations)
        .set({ status: 'RELEASED', reason, updatedAt: sql`now()` })
        .where(eq(reservations.id, reservation.id));
      events = [
        pendingEvent(InventoryReleased, { orderId, reservationId: reservation.id }),
        ...stockChangedEvents(changes, 'released', orderId),
      ];
      await writeOutbox(tx, events);
      return { outcome: 'released', reservationId: reservation.id };
    });
    this.committed(events);
    return result;
  }
}

/** `select … where sku = any($1) order by sku for update`: the rows of these SKUs, locked in a stable order. */
async function lockStock(tx: Transaction, skus: readonly string[]): Promise<Stock[]> {
  const rows = await tx
    .select({
      sku: inventoryItems.sku,
      available: inventoryItems.available,
      reserved: inventoryItems.reserved,
      unitPrice: inventoryItems.unitPrice,
      version: inventoryItems.version,
    })
    .from(inventoryItems)
    .where(inArray(inventoryItems.sku, [...skus]))
    .orderBy(asc(inventoryItems.sku))
    .for('update');
  return rows.map((row) => ({ ...row, unitPrice: parseMoney(row.unitPrice) }));
}

/** Writes planned changes to rows this transaction has locked (`lockStock`), each with its new version. */
async function applyChanges(tx: Transaction, changes: readonly StockChange[]): Promise<void> {
  for (const change of changes) {
    await tx
      .update(inventoryItems)
      .set({
        available: change.available,
        reserved: change.reserved,
        version: change.version,
        updatedAt: sql`now()`,
      })
      .where(eq(inventoryItems.sku, change.sku));
  }
}
