import { fields } from '@demo/contracts';
import { HttpProblem, input, route } from '@demo/http';
import { z } from 'zod';
import type { InventoryRepository } from '../db/inventory-repository.js';
import { page } from '../domain/cursor.js';
import { SkuTakenError } from '../domain/item.js';
import { pageQuery } from './pagination.js';

export const newItemBody = z.strictObject({
  sku: fields.sku,
  name: input.text({ trim: true, min: 1, max: 200 }),
  /** `available integer`. */
  quantity: input.int32(),
  /** `unit_price numeric(12, 2)`: below ten billion. */
  unitPrice: input.money(12),
});

const byId = z.object({ id: input.uuid });

export function inventoryRoutes(items: InventoryRepository) {
  return [
    route({
      method: 'POST',
      path: '/api/inventory',
      body: newItemBody,
      bodyLimit: 16 * 1024,
      handler: async ({ body }) => {
        try {
          const item = await items.create(body);
          return { status: 201, body: item, headers: { location: `/api/inventory/${item.id}` } };
        } catch (error) {
          if (error instanceof SkuTakenError) {
            throw HttpProblem.conflict(`SKU ${error.sku} already exists.`, { sku: error.sku });
          }
          throw error;
        }
      },
    }),
    route({
      method: 'GET',
      path: '/api/inventory',
      query: z.object(pageQuery),
      handler: async ({ query }) => {
        const fetched = await items.list({ limit: query.limit + 1, afterSku: query.cursor });
        return { status: 200, body: page(fetched, query.limit, (item) => item.sku) };
      },
    }),
    route({
      method: 'GET',
      path: '/api/inventory/:id',
      params: byId,
      handler: async ({ params }) => {
        const item = await items.findById(params.id);
        if (!item) throw HttpProblem.notFound(`No inventory item ${params.id}.`);
        return { status: 200, body: item };
      },
    }),
  ];
}
