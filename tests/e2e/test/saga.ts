import { randomBytes } from 'node:crypto';
import {
  createTestDatabase,
  eventually,
  type ServiceProcess,
  serviceMongoEnv,
  startService,
  startTestNats,
  type TestDatabase,
  type TestNats,
  uniqueName,
} from '@demo/infra';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** JSON over HTTP, as a user of the API sends it. */
export async function call<T = Record<string, unknown>>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, headers: response.headers };
}

export { eventually };

/** A W3C traceparent for a new sampled trace: the test knows the trace id of what it starts. */
export function newTraceparent(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

export type ServiceName = 'user-service' | 'order-service' | 'inventory-service';

/** The three services as real processes on a NATS server of their own and databases of their own. */
export class Saga {
  readonly services = new Map<ServiceName, ServiceProcess>();

  private constructor(
    readonly nats: TestNats,
    /** users, inventory */
    readonly databases: TestDatabase[],
    private readonly env: Record<ServiceName, Record<string, string>>,
  ) {}

  static async start(overrides: Partial<Record<ServiceName, Record<string, string>>> = {}): Promise<Saga> {
    const nats = await startTestNats();
    const [users, inventory] = await Promise.all([
      createTestDatabase('users'),
      createTestDatabase('inventory'),
    ]);
    const env: Record<ServiceName, Record<string, string>> = {
      'user-service': { NATS_URL: nats.url, DATABASE_URL: users.url },
      'order-service': {
        NATS_URL: nats.url,
        ...serviceMongoEnv('order-service'),
        MONGODB_DATABASE: uniqueName('orders'),
      },
      'inventory-service': {
        NATS_URL: nats.url,
        DATABASE_URL: inventory.url,
        ...serviceMongoEnv('inventory-service'),
        MONGODB_DATABASE: uniqueName('inventory'),
      },
    };
    const saga = new Saga(nats, [users, inventory], env);
    try {
      // One at a time: each provisions the streams, and the machine has few cores.
      for (const name of ['user-service', 'order-service', 'inventory-service'] as const) {
        await saga.start(name, overrides[name]);
      }
    } catch (error) {
      await saga.stop();
      throw error;
    }
    return saga;
  }

  async start(
    name: ServiceName,
    extraEnv: Record<string, string> = {},
    port?: number,
  ): Promise<ServiceProcess> {
    const service = await startService({ name, env: { ...this.env[name], ...extraEnv }, port });
    this.services.set(name, service);
    return service;
  }

  url(name: ServiceName): string {
    const service = this.services.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return service.url;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => s.stop()));
    this.services.clear();
    await this.nats.remove();
    await Promise.all(this.databases.map((d) => d.drop()));
  }

  // The API calls of the saga, as the README shows them with curl.
  createUser(email = `${uniqueName('u')}@example.com`, name = 'Ada Lovelace') {
    return call<{ id: string; orderCount: number; rejectedOrderCount: number }>(
      'POST',
      `${this.url('user-service')}/api/users`,
      {
        email,
        name,
      },
    );
  }

  stock(sku: string, quantity: number, unitPrice = 9.99) {
    return call<{ id: string; sku: string; available: number; reserved: number }>(
      'POST',
      `${this.url('inventory-service')}/api/inventory`,
      { sku, name: `Item ${sku}`, quantity, unitPrice },
    );
  }

  placeOrder(
    userId: string,
    items: Array<{ sku: string; quantity: number }>,
    headers: Record<string, string> = {},
  ) {
    return call<{ id: string; status: string }>(
      'POST',
      `${this.url('order-service')}/api/orders`,
      { userId, items },
      headers,
    );
  }

  order(id: string) {
    return call<{ id: string; status: string; reason?: string; total?: number }>(
      'GET',
      `${this.url('order-service')}/api/orders/${id}`,
    );
  }

  /** Waits until the order leaves PENDING (or reaches `status`). */
  settled(id: string, status?: string, timeoutMs = 30_000) {
    return eventually(
      `order ${id} ${status ?? 'settled'}`,
      () => this.order(id),
      (a) => (status ? a.body.status === status : a.status === 200 && a.body.status !== 'PENDING'),
      timeoutMs,
    );
  }

  item(id: string) {
    return call<{ id: string; sku: string; available: number; reserved: number }>(
      'GET',
      `${this.url('inventory-service')}/api/inventory/${id}`,
    );
  }

  async stockLevel(sku: string) {
    const answer = await call<{
      items: Array<{ sku: string; available: number; reserved: number; lowStock: boolean }>;
    }>('GET', `${this.url('inventory-service')}/api/stock-levels?limit=100`);
    return answer.body.items?.find((s) => s.sku === sku);
  }

  user(id: string) {
    return call<{ id: string; orderCount: number; rejectedOrderCount: number; lastOrderAt: string | null }>(
      'GET',
      `${this.url('user-service')}/api/users/${id}`,
    );
  }

  deleteUser(id: string) {
    return call('DELETE', `${this.url('user-service')}/api/users/${id}`);
  }
}

export function sku(prefix = 'SKU'): string {
  return `${prefix}-${randomBytes(3).toString('hex').toUpperCase()}`;
}
