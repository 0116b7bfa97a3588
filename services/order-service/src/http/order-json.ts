import type { Order } from '../domain/order.js';

/** An order as the API shows it: ISO timestamps, and never the outbox. */
export interface OrderJson {
  id: string;
  userId: string;
  items: Array<{ sku: string; quantity: number }>;
  status: Order['status'];
  reason?: Order['reason'];
  total?: number;
  createdAt: string;
  updatedAt: string;
}

export function toOrderJson(order: Order): OrderJson {
  const json: OrderJson = {
    id: order.id,
    userId: order.userId,
    items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
    status: order.status,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
  if (order.reason !== undefined) json.reason = order.reason;
  if (order.total !== undefined) json.total = order.total;
  return json;
}
