import { outboxTable } from '@demo/bus/postgres';
import { sql } from 'drizzle-orm';
import { check, integer, jsonb, numeric, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { ReservedLine } from '../domain/stock.js';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/**
 * Stock per SKU: `available` can be reserved, `reserved` is held by live reservations. `version`
 * is 1 when the SKU is stocked and goes up by one with every change of the row (made under its
 * lock), so that the `inventory.stock-changed` events of a SKU can be put in order by consumers.
 */
export const inventoryItems = pgTable(
  'inventory_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sku: text('sku').notNull().unique('inventory_items_sku_unique'),
    name: text('name').notNull(),
    available: integer('available').notNull(),
    reserved: integer('reserved').notNull().default(0),
    unitPrice: numeric('unit_price', { precision: 12, scale: 2 }).notNull(),
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('inventory_items_available_nonnegative', sql`${t.available} >= 0`),
    check('inventory_items_reserved_nonnegative', sql`${t.reserved} >= 0`),
  ],
);

export const reservationStatus = pgEnum('reservation_status', [
  'RESERVED',
  'RELEASED',
  'REJECTED',
  'CANCELLED',
]);
export type ReservationStatus = (typeof reservationStatus.enumValues)[number];

/**
 * One row per order, whatever became of it: the unique `order_id` makes a redelivered or racing
 * `orders.created` a no-op, and a `CANCELLED` row written before the order arrived stops it.
 * `items` are the reserved lines (with unit prices) or, for a rejection, the lines asked for.
 */
export const reservations = pgTable('reservations', {
  id: uuid('id').primaryKey().defaultRandom(),
  orderId: uuid('order_id').notNull().unique('reservations_order_id_unique'),
  status: reservationStatus('status').notNull(),
  items: jsonb('items').$type<ReservationLine[]>().notNull(),
  total: numeric('total', { precision: 14, scale: 2 }),
  reason: text('reason'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A line stored with a reservation: reserved lines carry their unit price, others do not. */
export type ReservationLine = Omit<ReservedLine, 'unitPrice'> & { unitPrice?: number };

export const outbox = outboxTable();
