import { defineEvent } from '@demo/bus';
import { z } from 'zod';
import {
  currency,
  IMPLIED_CURRENCY,
  id,
  money,
  orderCancellationReason,
  orderLine,
  orderRejectionReason,
  quotedOrderLine,
  timestamp,
} from './fields.js';

/** `orders.created` version 1: the lines without prices (money is in the implied currency). */
export const OrderCreatedV1 = defineEvent({
  subject: 'orders.created',
  version: 1,
  description: 'An order was placed and awaits its stock reservation.',
  schema: z.object({
    orderId: id,
    userId: id,
    items: z.array(orderLine).min(1),
    createdAt: timestamp,
  }),
});

const orderCreatedV2Schema = z.object({
  orderId: id,
  userId: id,
  items: z.array(quotedOrderLine).min(1),
  currency,
  createdAt: timestamp,
});

/**
 * `orders.created` v1 → v2: a v1 order quoted no prices (each line's `unitPrice` is `null`, the
 * catalogue price applies) and was in the implied currency. Pure.
 */
export function orderCreatedV1toV2(
  data: z.output<typeof OrderCreatedV1.schema>,
): z.input<typeof orderCreatedV2Schema> {
  return {
    orderId: data.orderId,
    userId: data.userId,
    items: data.items.map(({ sku, quantity }) => ({ sku, quantity, unitPrice: null })),
    currency: IMPLIED_CURRENCY,
    createdAt: data.createdAt,
  };
}

/** `orders.created` version 2: each line carries the unit price quoted to the customer, and the order its currency. */
export const OrderCreatedV2 = defineEvent({
  subject: 'orders.created',
  version: 2,
  description:
    'An order was placed and awaits its stock reservation; lines carry the unit price quoted to the customer, in currency.',
  schema: orderCreatedV2Schema,
  upcastFrom: { contract: OrderCreatedV1, upcast: (data) => orderCreatedV1toV2(data) },
});

/** The current version of `orders.created` (v2). */
export const OrderCreated = OrderCreatedV2;

export const OrderConfirmed = defineEvent({
  subject: 'orders.confirmed',
  description: 'Stock was reserved and the order is confirmed.',
  schema: z.object({
    orderId: id,
    userId: id,
    total: money,
  }),
});

export const OrderRejected = defineEvent({
  subject: 'orders.rejected',
  description:
    'The order was rejected: its stock could not be reserved, or no answer came within its deadline.',
  schema: z.object({
    orderId: id,
    userId: id,
    reason: orderRejectionReason,
  }),
});

export const OrderCancelled = defineEvent({
  subject: 'orders.cancelled',
  description: 'An order was cancelled; any stock reserved for it is to be released.',
  schema: z.object({
    orderId: id,
    userId: id,
    reason: orderCancellationReason,
  }),
});
