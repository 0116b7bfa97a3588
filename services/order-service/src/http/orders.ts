import { fields } from '@demo/contracts';
import { HttpProblem, input, pageQuery, type Route, route, toPage } from '@demo/http';
import { z } from 'zod';
import type { OrdersRepository } from '../db/orders-repository.js';
import { IDEMPOTENCY_KEY, requestFingerprint } from '../domain/idempotency.js';
import { ORDER_STATUSES } from '../domain/order.js';
import { totalOverflow } from '../domain/order-total.js';
import { IdempotencyKeyReusedError, type OrderSaga, UnknownCustomerError } from '../events/order-saga.js';
import { toOrderJson } from './order-json.js';

/** Lines an order may have. */
export const MAX_ORDER_LINES = 50;
/** 50 lines of a few dozen bytes each fit many times over. */
const ORDER_BODY_LIMIT = 64 * 1024;

/**
 * An order line as the events carry it, its quantity bounded by inventory's `integer` columns;
 * `unitPrice`, if given, is the price quoted to the customer (inventory's `numeric(12, 2)` bound).
 */
const orderLine = z.strictObject({
  sku: fields.sku,
  quantity: input.int32({ min: 1 }),
  unitPrice: input.money(12).optional(),
});

const createOrderBody = z.strictObject({
  userId: input.uuid,
  items: z
    .array(orderLine)
    .min(1, { error: 'an order needs at least one item' })
    .max(MAX_ORDER_LINES, { error: `an order has at most ${MAX_ORDER_LINES} items` })
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((item, index) => {
        if (seen.has(item.sku)) {
          ctx.addIssue({ code: 'custom', path: [index, 'sku'], message: `SKU ${item.sku} is listed twice` });
        }
        seen.add(item.sku);
      });
    }),
});

/** `Idempotency-Key` (IETF httpapi draft): makes placing an order safe to retry. */
const placeHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY, { error: 'must be 1 to 255 visible ASCII characters' })
    .optional()
    .meta({
      description:
        'Makes the request safe to retry: 1 to 255 visible ASCII characters (a new UUID per order, say), ' +
        'scoped to the `userId`, kept with the order for good. A retry with the same key and body answers ' +
        'the order the first request placed (201, as it is now) and places nothing; concurrent requests ' +
        'with one key place one order and all answer it; the same key with another body answers 422.',
      example: '8e03978e-40d5-43e8-bc93-6894a57f9324',
    }),
});

const listQuery = pageQuery.extend({
  userId: input.uuid.optional(),
  status: z.enum(ORDER_STATUSES).optional(),
});

const byId = z.object({ id: input.uuid });

/** An order as the API answers it (the OpenAPI response schema of `toOrderJson`). */
const orderJson = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int().positive() })),
  status: z.enum(ORDER_STATUSES),
  reason: z.string().optional(),
  total: z.number().nonnegative().optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
const orderPage = z.object({ items: z.array(orderJson), nextCursor: z.string().nullable() });

export interface OrderRoutesDeps {
  orders: OrdersRepository;
  saga: OrderSaga;
}

export function orderRoutes({ orders, saga }: OrderRoutesDeps): Route[] {
  return [
    route({
      method: 'POST',
      path: '/api/orders',
      body: createOrderBody,
      headers: placeHeaders,
      bodyLimit: ORDER_BODY_LIMIT,
      doc: {
        operationId: 'placeOrder',
        summary: 'Place an order, PENDING until inventory answers (publishes orders.created)',
        responses: {
          201: {
            description:
              'Placed; or, under an Idempotency-Key used before with this body, the order it placed.',
            body: orderJson,
            headers: { location: { description: 'The new order.', required: true } },
            links: { GetOrder: { operationId: 'getOrder', parameters: { id: '$response.body#/id' } } },
          },
          422: {
            description:
              'The user is not a known (or a deleted) customer, the quoted lines total more than an order can (999999999999.99), or the Idempotency-Key was used before with another body.',
            problem: true,
          },
        },
      },
      handler: async ({ body, headers }) => {
        const overflow = totalOverflow(body.items);
        if (overflow) {
          throw new HttpProblem(422, {
            type: 'urn:problem-type:order-total-too-large',
            title: 'Order total too large',
            detail: `The quoted lines total ${overflow.quotedTotal}; an order totals at most ${overflow.maxTotal}.`,
            extra: {
              errors: overflow.lines.map((index) => ({
                path: `body.items.${index}.unitPrice`,
                message: `quantity × unitPrice of the quoted lines must total at most ${overflow.maxTotal}`,
              })),
              maxTotal: overflow.maxTotal,
            },
          });
        }
        const key = headers['idempotency-key'];
        try {
          const order = await saga.place(
            body,
            key === undefined ? undefined : { key, fingerprint: requestFingerprint(body) },
          );
          return { status: 201, body: toOrderJson(order), headers: { location: `/api/orders/${order.id}` } };
        } catch (error) {
          if (error instanceof IdempotencyKeyReusedError) {
            throw new HttpProblem(422, {
              type: 'urn:problem-type:idempotency-key-reused',
              title: 'Idempotency-Key already used',
              detail:
                'This Idempotency-Key placed an order for another request body; send a new key for a new order.',
            });
          }
          if (!(error instanceof UnknownCustomerError)) throw error;
          throw new HttpProblem(422, {
            type: 'urn:problem-type:unknown-customer',
            title: 'Unknown customer',
            detail: error.deleted
              ? `User ${error.userId} was deleted and cannot order.`
              : `User ${error.userId} is not a known customer.`,
            extra: { userId: error.userId },
          });
        }
      },
    }),
    route({
      method: 'GET',
      path: '/api/orders',
      query: listQuery,
      doc: {
        operationId: 'listOrders',
        summary: 'Orders, newest first, a page at a time; by user and status',
        responses: { 200: { description: 'A page; `nextCursor` is null on the last.', body: orderPage } },
      },
      handler: async ({ query }) => {
        const rows = await orders.list({
          userId: query.userId,
          status: query.status,
          after: query.cursor,
          limit: query.limit + 1,
        });
        const page = toPage(rows, query.limit);
        return { status: 200, body: { items: page.items.map(toOrderJson), nextCursor: page.next ?? null } };
      },
    }),
    route({
      method: 'GET',
      path: '/api/orders/:id',
      params: byId,
      doc: {
        operationId: 'getOrder',
        summary: 'One order',
        responses: {
          200: { description: 'The order.', body: orderJson },
          404: { description: 'No such order.', problem: true },
        },
      },
      handler: async ({ params }) => {
        const order = await orders.find(params.id);
        if (order === null) throw HttpProblem.notFound(`No order ${params.id}.`);
        return { status: 200, body: toOrderJson(order) };
      },
    }),
  ];
}
