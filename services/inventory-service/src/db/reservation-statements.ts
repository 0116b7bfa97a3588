import type { PendingEvent } from '@demo/bus';
import { outboxInsert } from '@demo/bus/postgres';
import type { OrderLine } from '@demo/contracts';
import { type SQL, sql } from 'drizzle-orm';
import { parseMoney } from '../domain/money.js';
import type { Stock, StockChange } from '../domain/stock.js';
import {
  inventoryItems,
  outbox,
  type ReservationLine,
  type ReservationStatus,
  reservations,
} from './schema.js';

/**
 * The two statements of a reservation and of a release: a read that locks what the plan needs
 * (and looks at the reservation in the same statement), then, the plan made in TypeScript in
 * between (`planReservation`, `planRelease`), one data-modifying `with` that writes all of it:
 * the reservation, every SKU's stock and version, the outbox rows. Values always travel as bound
 * parameters, a list as one array parameter (`unnest`), never in the statement's text.
 */

const column = (c: { name: string }) => sql.identifier(c.name);
const item = {
  sku: column(inventoryItems.sku),
  available: column(inventoryItems.available),
  reserved: column(inventoryItems.reserved),
  unitPrice: column(inventoryItems.unitPrice),
  version: column(inventoryItems.version),
  updatedAt: column(inventoryItems.updatedAt),
};
const res = {
  id: column(reservations.id),
  orderId: column(reservations.orderId),
  status: column(reservations.status),
  items: column(reservations.items),
  total: column(reservations.total),
  reason: column(reservations.reason),
  updatedAt: column(reservations.updatedAt),
};

/** What the lock of a reservation read: the order's reservation if it has one, or the stock rows, locked. */
export type ReserveLock = { existing: ReservationStatus } | { existing?: undefined; stock: Stock[] };

/**
 * `orders.created`'s first statement: the order's reservation status if it has one (then no
 * stock row is locked: the `not exists` is decided once, before the scan), else the rows of
 * `skus`, locked in SKU order (`for update` locks the rows as they come out of `order by`), so
 * that two orders never wait for each other both ways. A `with` that locks rows is never inlined:
 * it runs once, whatever reads it.
 */
export function lockForReserve(orderId: string, skus: readonly string[]): SQL {
  return sql`with existing as (
      select ${res.status} from ${reservations} where ${res.orderId} = ${orderId}
    ), stock as (
      select ${item.sku}, ${item.available}, ${item.reserved}, ${item.unitPrice}, ${item.version}
        from ${inventoryItems}
       where ${item.sku} = any(${sql.param(skus)}::text[]) and not exists (select from existing)
       order by ${item.sku}
         for update
    )
    select ${res.status}::text as existing, null::text as sku, null::integer as available,
           null::integer as reserved, null::numeric as unit_price, null::integer as version
      from existing
    union all
    select null, ${item.sku}, ${item.available}, ${item.reserved}, ${item.unitPrice}, ${item.version} from stock`;
}

/** A row of a lock statement: a locked stock row, or (its columns null) the row of the reservation. */
type StockRow = {
  sku: string | null;
  available: number | null;
  reserved: number | null;
  unit_price: string | null;
  version: number | null;
};

export type ReserveLockRow = StockRow & { existing: string | null };

export function readReserveLock(rows: readonly ReserveLockRow[]): ReserveLock {
  const found = rows.find((row) => row.existing !== null);
  if (found) return { existing: found.existing as ReservationStatus };
  return { stock: rows.map(toStock) };
}

function toStock(row: StockRow): Stock {
  return {
    sku: row.sku as string,
    available: row.available as number,
    reserved: row.reserved as number,
    unitPrice: parseMoney(row.unit_price as string),
    version: row.version as number,
  };
}

/** The planned stock of locked rows, written from one array parameter per column. */
function updateStock(changes: readonly StockChange[]): SQL {
  return sql`update ${inventoryItems} as i
       set ${item.available} = c.available, ${item.reserved} = c.reserved, ${item.version} = c.version,
           ${item.updatedAt} = now()
      from unnest(${sql.param(changes.map((c) => c.sku))}::text[],
                  ${sql.param(changes.map((c) => c.available))}::integer[],
                  ${sql.param(changes.map((c) => c.reserved))}::integer[],
                  ${sql.param(changes.map((c) => c.version))}::integer[])
           as c(sku, available, reserved, version)
     where i.${item.sku} = c.sku`;
}

/** A reservation: its row, the stock changes, the events. One statement, all of it or (an error) none. */
export function writeReserved(
  reservation: { id: string; orderId: string; lines: readonly ReservationLine[]; total: string },
  changes: readonly StockChange[],
  events: readonly PendingEvent[],
): SQL {
  return sql`with reservation as (
      insert into ${reservations} (${res.id}, ${res.orderId}, ${res.status}, ${res.items}, ${res.total})
      values (${reservation.id}, ${reservation.orderId}, 'RESERVED', ${JSON.stringify(reservation.lines)}::jsonb,
              ${reservation.total}::numeric)
    ), stock as (
      ${updateStock(changes)}
    )
    ${outboxInsert(outbox, events)}`;
}

/** A refused order: its row (the lines asked for) and its event. */
export function writeRejected(
  rejection: { orderId: string; lines: readonly OrderLine[]; reason: string },
  events: readonly PendingEvent[],
): SQL {
  return sql`with reservation as (
      insert into ${reservations} (${res.orderId}, ${res.status}, ${res.items}, ${res.reason})
      values (${rejection.orderId}, 'REJECTED', ${JSON.stringify(rejection.lines)}::jsonb, ${rejection.reason})
    )
    ${outboxInsert(outbox, events)}`;
}

/** What the lock of a release read: no reservation, or the reservation and (if it holds stock) its stock rows. */
export type ReleaseLock =
  | { reservation?: undefined }
  | { reservation: { id: string; status: ReservationStatus; items: ReservationLine[] }; stock: Stock[] };

/**
 * `orders.cancelled`'s first statement: the order's reservation, locked, and, when it is
 * `RESERVED`, the stock rows of its lines, locked after it in SKU order. The SKUs go to the
 * index as one array (`= any(array(…))`); an `in (select …)` would join, by a scan of every item.
 */
export function lockForRelease(orderId: string): SQL {
  return sql`with reservation as (
      select ${res.id}, ${res.status}, ${res.items} from ${reservations} where ${res.orderId} = ${orderId}
         for update
    ), stock as (
      select ${item.sku}, ${item.available}, ${item.reserved}, ${item.unitPrice}, ${item.version}
        from ${inventoryItems}
       where ${item.sku} = any(array(
               select line->>'sku' from reservation, jsonb_array_elements(reservation.${res.items}) line
                where reservation.${res.status} = 'RESERVED'))
       order by ${item.sku}
         for update
    )
    select ${res.id} as id, ${res.status}::text as status, ${res.items} as items, null::text as sku,
           null::integer as available, null::integer as reserved, null::numeric as unit_price,
           null::integer as version
      from reservation
    union all
    select null, null, null, ${item.sku}, ${item.available}, ${item.reserved}, ${item.unitPrice}, ${item.version}
      from stock`;
}

export type ReleaseLockRow = StockRow & {
  id: string | null;
  status: string | null;
  items: ReservationLine[] | null;
};

export function readReleaseLock(rows: readonly ReleaseLockRow[]): ReleaseLock {
  const head = rows.find((row) => row.id !== null);
  if (!head?.id) return {};
  return {
    reservation: { id: head.id, status: head.status as ReservationStatus, items: head.items ?? [] },
    stock: rows.filter((row) => row.id === null).map(toStock),
  };
}

/** An order cancelled before its reservation: a `CANCELLED` row, so that a late `orders.created` reserves nothing. */
export function writeCancelled(orderId: string, reason: string): SQL {
  return sql`insert into ${reservations} (${res.orderId}, ${res.status}, ${res.items}, ${res.reason})
    values (${orderId}, 'CANCELLED', '[]'::jsonb, ${reason})`;
}

/** A release: the stock changes, the reservation `RELEASED`, the events. */
export function writeReleased(
  reservationId: string,
  reason: string,
  changes: readonly StockChange[],
  events: readonly PendingEvent[],
): SQL {
  return sql`with stock as (
      ${updateStock(changes)}
    ), reservation as (
      update ${reservations} set ${res.status} = 'RELEASED', ${res.reason} = ${reason}, ${res.updatedAt} = now()
       where ${res.id} = ${reservationId}
    )
    ${outboxInsert(outbox, events)}`;
}
