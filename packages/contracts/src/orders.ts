import { defineEvent } from '@demo/bus';
import { z } from 'zod';
import { id, money, orderCancellationReason, orderLine, orderRejectionReason, timestamp } from './fields.js';

export const OrderCreated = defineEvent({
  subject: 'orders.created',
  description: 'An order was placed and awaits its stock reservation.',
  schema: z.object({
    orderId: id,
    userId: id,
    items: z.array(orderLine).min(1),
    createdAt: timestamp,
  }),
});

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
