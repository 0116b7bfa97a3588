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

/** An inventory item as the API answers it. */
const itemJson = z.object({
  id: z.uuid(),
  sku: z.string(),
  name: z.string(),
  available: z.number().int().nonnegative(),
  reserved: z.number().int().nonnegative(),
  unitPrice: z.number().nonnegative(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
const itemPage = z.object({ items: z.array(itemJson), nextCursor: z.string().nullable() });

export function inventoryRoutes(items: InventoryRepository) {
  return [
    route({
      method: 'POST',
      path: '/api/inventory',
      body: newItemBody,
      bodyLimit: 16 * 1024,
      doc: {
        operationId: 'createItem',
        summary: 'Stock a new SKU (publishes inventory.stock-changed)',
        responses: {
          201: {
            description: 'Stocked.',
            body: itemJson,
            headers: { location: { description: 'The new item.', required: true } },
            links: { GetItem: { operationId: 'getItem', parameters: { id: '$response.body#/id' } } },
          },
          409: { description: 'The SKU exists.', problem: true },
        },
      },
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
      doc: {
        operationId: 'listItems',
        summary: 'Items by SKU, a page at a time',
        responses: { 200: { description: 'A page; `nextCursor` is null on the last.', body: itemPage } },
      },
      handler: async ({ query }) => {
        const fetched = await items.list({ limit: query.limit + 1, afterSku: query.cursor });
        return { status: 200, body: page(fetched, query.limit, (item) => item.sku) };
      },
    }),
    route({
      method: 'GET',
      path: '/api/inventory/:id',
      params: byId,
      doc: {
        operationId: 'getItem',
        summary: 'One item',
        responses: {
          200: { description: 'The item.', body: itemJson },
          404: { description: 'No such item.', problem: true },
        },
      },
      handler: async ({ params }) => {
        const item = await items.findById(params.id);
        if (!item) throw HttpProblem.notFound(`No inventory item ${params.id}.`);
        return { status: 200, body: item };
      },
    }),
  ];
}
