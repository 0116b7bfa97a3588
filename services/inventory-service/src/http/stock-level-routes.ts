import { fields } from '@demo/contracts';
import { route } from '@demo/http';
import { z } from 'zod';
import type { StockLevelRepository } from '../db/stock-level-repository.js';
import { page } from '../domain/cursor.js';
import { booleanFlag, cursorParam, pageQuery } from './pagination.js';

/** Movements page by stream sequence, newest first. */
const movementCursor = cursorParam(
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/)
    .transform(Number),
);

const levelJson = z.object({
  sku: z.string(),
  available: z.number().int(),
  reserved: z.number().int(),
  lowStock: z.boolean(),
  updatedAt: z.iso.datetime(),
});
const movementJson = z.object({
  eventId: z.string(),
  sku: z.string(),
  change: z.number().int(),
  cause: fields.stockChangeCause,
  available: z.number().int(),
  reserved: z.number().int(),
  orderId: z.string().optional(),
  at: z.iso.datetime(),
});
const pageOf = (item: z.ZodType) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export function stockLevelRoutes(stockLevels: StockLevelRepository) {
  return [
    route({
      method: 'GET',
      path: '/api/stock-levels',
      query: z.object({ ...pageQuery, lowStock: booleanFlag.optional() }),
      doc: {
        operationId: 'listStockLevels',
        summary: 'Stock levels from the MongoDB read model, by SKU; `lowStock` filters',
        responses: {
          200: { description: 'A page; `nextCursor` is null on the last.', body: pageOf(levelJson) },
        },
      },
      handler: async ({ query }) => {
        const fetched = await stockLevels.list({
          limit: query.limit + 1,
          afterSku: query.cursor,
          lowStock: query.lowStock,
        });
        return { status: 200, body: page(fetched, query.limit, (level) => level.sku) };
      },
    }),
    route({
      method: 'GET',
      path: '/api/stock-levels/:sku/movements',
      params: z.object({ sku: fields.sku }),
      doc: {
        operationId: 'listStockMovements',
        summary: "A SKU's stock movements, newest first",
        responses: {
          200: { description: 'A page; `nextCursor` is null on the last.', body: pageOf(movementJson) },
        },
      },
      query: z.object({
        ...pageQuery,
        cursor: movementCursor,
      }),
      handler: async ({ params, query }) => {
        const fetched = await stockLevels.movementsOf(params.sku, {
          limit: query.limit + 1,
          beforeSeq: query.cursor,
        });
        const { items, nextCursor } = page(fetched, query.limit, (m) => String(m.seq));
        return { status: 200, body: { items: items.map(({ seq: _seq, ...m }) => m), nextCursor } };
      },
    }),
  ];
}
