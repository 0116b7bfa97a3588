import { defineEvent } from '@demo/bus';
import { z } from 'zod';
import {
  id,
  money,
  orderLine,
  quantity,
  sku,
  stockChangeCause,
  stockLevel,
  stockRejectionReason,
  stockVersion,
} from './fields.js';

export const InventoryReserved = defineEvent({
  subject: 'inventory.reserved',
  description: 'Stock was reserved for every line of an order; total is the sum of quantity × unitPrice.',
  schema: z.object({
    orderId: id,
    reservationId: id,
    items: z.array(orderLine.extend({ unitPrice: money })).min(1),
    total: money.describe('Sum of quantity × unitPrice over the items'),
  }),
});

export const InventoryRejected = defineEvent({
  subject: 'inventory.rejected',
  description: 'An order could not be reserved; items lists the lines that failed and what was available.',
  schema: z.object({
    orderId: id,
    reason: stockRejectionReason,
    items: z
      .array(
        z.object({
          sku,
          quantity: quantity.describe('Units the order asked for'),
          available: stockLevel.describe('Units available when the order was refused (0 for an unknown SKU)'),
        }),
      )
      .min(1),
  }),
});

export const InventoryReleased = defineEvent({
  subject: 'inventory.released',
  description: 'The reservation of a cancelled order was released and its stock returned.',
  schema: z.object({
    orderId: id,
    reservationId: id,
  }),
});

export const InventoryStockChanged = defineEvent({
  subject: 'inventory.stock-changed',
  description: 'The stock level of a SKU changed; available and reserved are the levels after the change.',
  schema: z.object({
    sku,
    available: stockLevel,
    reserved: stockLevel,
    change: z.number().int().describe('Signed change of the available units'),
    cause: stockChangeCause,
    orderId: id.optional().describe('The order behind a reserved or released change'),
    version: stockVersion
      .optional()
      .describe(
        "The SKU's stock version after this change: 1 when stocked, one more than the change before it. " +
          'Changes can arrive out of order (stream order is not commit order); consumers keep the highest. ' +
          'Absent only on changes published before it was introduced.',
      ),
  }),
});
