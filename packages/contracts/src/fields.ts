import { z } from 'zod';

/**
 * The building blocks of the catalog's payloads. Exported so that HTTP edges can validate with
 * the very rules the events carry (an order line accepted over HTTP is a valid event item).
 */

/** Every id on the bus (user, order, reservation) is a UUID. */
export const id = z.uuid();

export const email = z.email().max(254);

/** A person's display name. */
export const personName = z.string().min(1).max(200);

/** Stock keeping unit: upper-case letters, digits and dashes, 3 to 32 characters. */
export const sku = z.string().regex(/^[A-Z0-9-]{3,32}$/, 'SKU must match ^[A-Z0-9-]{3,32}$');

/** A count of units in an order line: a positive integer. */
export const quantity = z.number().int().positive();

/** A stock level: a non-negative integer. */
export const stockLevel = z.number().int().nonnegative();

/** The version of a SKU's stock: a positive integer, 1 when stocked, one up with every change. */
export const stockVersion = z.number().int().positive();

/**
 * Money in currency units (not cents): a non-negative number with at most two decimals,
 * e.g. `19.99`. The single currency of the system is implied.
 */
export const money = z.number().nonnegative().multipleOf(0.01);

/** An ISO 8601 date-time with `Z` or an explicit offset, e.g. `2026-11-24T10:15:00.000Z`. */
export const timestamp = z.iso.datetime({ offset: true });

/** One line of an order: which SKU, how many units. */
export const orderLine = z.object({ sku, quantity });

/** An ISO 4217 currency code, e.g. `EUR`. */
export const currency = z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as EUR');

/** The currency that money without a currency (every version 1 event) is in. */
export const IMPLIED_CURRENCY = 'EUR';

/**
 * One line of an order with the unit price quoted to the customer (`orders.created` v2), or
 * `null` when none was quoted: inventory then prices the line from its catalogue.
 */
export const quotedOrderLine = orderLine.extend({
  unitPrice: money
    .nullable()
    .describe('Unit price quoted to the customer; null: none quoted, the catalogue price applies'),
});

/**
 * Why inventory refused to reserve an order (`inventory.rejected`, carried on by `orders.rejected`).
 * `total_too_large`: the order's total would exceed what a reservation can record (999,999,999,999.99).
 */
export const stockRejectionReason = z.enum(['insufficient_stock', 'unknown_sku', 'total_too_large']);

/**
 * Why an order was rejected (`orders.rejected`): a stock rejection carried on, or
 * `deadline_exceeded`: the saga got no answer within the order's deadline.
 */
export const orderRejectionReason = z.enum([...stockRejectionReason.options, 'deadline_exceeded']);

/**
 * Why an order was cancelled. `deadline_exceeded`: sent after such a rejection so that whatever
 * inventory reserved (or reserves late) for the order is released.
 */
export const orderCancellationReason = z.enum(['user_deleted', 'deadline_exceeded']);

/** What moved a stock level. */
export const stockChangeCause = z.enum(['reserved', 'released', 'restocked', 'created']);

/** The building blocks as one object, for validation at the edges (`fields.sku`, `fields.orderLine`). */
export const fields = Object.freeze({
  id,
  email,
  personName,
  sku,
  quantity,
  stockLevel,
  stockVersion,
  money,
  timestamp,
  orderLine,
  quotedOrderLine,
  currency,
  stockRejectionReason,
  orderRejectionReason,
  orderCancellationReason,
  stockChangeCause,
});
