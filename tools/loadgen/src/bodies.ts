/**
 * The requests the load generator and the smoke test send, in one place: when an API changes,
 * this is the file to fix. Shapes follow the services' routes (issue 5 and ARCHITECTURE.md).
 */

export interface CreateUser {
  email: string;
  name: string;
}

export interface CreateStock {
  sku: string;
  name: string;
  quantity: number;
  /** Price of one unit, in the currency's major unit (e.g. 12.5). */
  unitPrice: number;
}

export interface OrderItem {
  sku: string;
  quantity: number;
}

export interface PlaceOrder {
  userId: string;
  items: OrderItem[];
}

export const paths = {
  users: '/api/users',
  inventory: '/api/inventory',
  orders: '/api/orders',
  order: (id: string) => `/api/orders/${encodeURIComponent(id)}`,
} as const;

export function userBody(runId: string, index: number): CreateUser {
  return { email: `loadgen+${runId}-${index}@example.com`, name: `Load Test User ${index}` };
}

export function stockBody(runId: string, index: number, quantity: number): CreateStock {
  return {
    sku: `LG-${runId}-${String(index).padStart(3, '0')}`.toUpperCase(),
    name: `Load test item ${index}`,
    quantity,
    unitPrice: Math.round((5 + (index % 20) * 2.5) * 100) / 100,
  };
}

export function orderBody(userId: string, items: OrderItem[]): PlaceOrder {
  return { userId, items };
}

/** The id of a created resource, whichever name the service gives it. */
export function idOf(body: unknown, ...keys: string[]): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  for (const key of [...keys, 'id']) {
    const value = record[key];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  return undefined;
}
