import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { binaries, otlpSink, type ReceivedSpan, SPAN_KIND } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, newTraceparent, Saga, type ServiceName, sku } from './saga.js';

const run = promisify(execFile);

describe('the order saga, end to end', () => {
  let saga: Saga;

  beforeAll(async () => {
    saga = await Saga.start();
  });
  afterAll(async () => {
    await saga?.stop();
  });

  it('confirms an order that fits: stock reserved, stock levels updated, the user counts it', async () => {
    const user = await saga.createUser();
    expect(user.status).toBe(201);
    const [a, b] = [sku('A'), sku('B')];
    expect((await saga.stock(a, 10, 2.5)).status).toBe(201);
    const itemB = await saga.stock(b, 5, 10);
    expect(itemB.status).toBe(201);

    // The customer projection is built from users.created: wait for it, as a client would retry a 422.
    const order = await eventually(
      'order accepted',
      () =>
        saga.placeOrder(user.body.id, [
          { sku: a, quantity: 2 },
          { sku: b, quantity: 1 },
        ]),
      (r) => r.status === 201,
    );
    expect(order.body.status).toBe('PENDING');

    const settled = await saga.settled(order.body.id);
    expect(settled.body).toMatchObject({ status: 'CONFIRMED', total: 15 });
    expect((await saga.item(itemB.body.id)).body).toMatchObject({ available: 4, reserved: 1 });
    await eventually(
      'stock levels',
      () => saga.stockLevel(b),
      (s) => s?.reserved === 1,
    );
    expect(await saga.stockLevel(b)).toMatchObject({ sku: b, available: 4, reserved: 1, lowStock: true });
    await eventually(
      'order count',
      () => saga.user(user.body.id),
      (u) => u.body.orderCount === 1,
    );
  });

  it('rejects an order that does not fit, with the reason, and leaves stock untouched', async () => {
    const user = await saga.createUser();
    const s = sku('C');
    const item = await saga.stock(s, 3);
    const order = await eventually(
      'order accepted',
      () => saga.placeOrder(user.body.id, [{ sku: s, quantity: 4 }]),
      (r) => r.status === 201,
    );
    const settled = await saga.settled(order.body.id);
    expect(settled.body).toMatchObject({ status: 'REJECTED', reason: 'insufficient_stock' });
    expect((await saga.item(item.body.id)).body).toMatchObject({ available: 3, reserved: 0 });
    await eventually(
      'rejected count',
      () => saga.user(user.body.id),
      (u) => u.body.rejectedOrderCount === 1,
    );
    expect((await saga.user(user.body.id)).body.orderCount).toBe(0);
  });

  it('rejects an order for an unknown sku', async () => {
    const user = await saga.createUser();
    const order = await eventually(
      'order accepted',
      () => saga.placeOrder(user.body.id, [{ sku: sku('NOPE'), quantity: 1 }]),
      (r) => r.status === 201,
    );
    expect((await saga.settled(order.body.id)).body).toMatchObject({
      status: 'REJECTED',
      reason: 'unknown_sku',
    });
  });

  it('creates the customer from raw JSON injected with `nats pub` on users.created', async () => {
    const userId = crypto.randomUUID();
    const before = await saga.placeOrder(userId, [{ sku: sku(), quantity: 1 }]);
    expect(before.status).toBe(422);
    const event = {
      userId,
      email: `injected-${userId.slice(0, 8)}@example.com`,
      name: 'Injected',
      createdAt: new Date().toISOString(),
    };
    await run(binaries().natsCli, ['-s', saga.nats.url, 'pub', 'users.created', JSON.stringify(event)]);
    const after = await eventually(
      'customer projected',
      () => saga.placeOrder(userId, [{ sku: sku(), quantity: 1 }]),
      (r) => r.status === 201,
    );
    expect(after.body.status).toBe('PENDING');
  });

  it('gives exactly 20 confirmed and 30 rejected of 50 concurrent orders for a sku with stock 20', async () => {
    const user = await saga.createUser();
    const s = sku('HOT');
    const item = await saga.stock(s, 20);
    await eventually(
      'customer projected',
      () => saga.placeOrder(user.body.id, [{ sku: sku('WARM'), quantity: 1 }]),
      (r) => r.status === 201,
    );

    const orders = await Promise.all(
      Array.from({ length: 50 }, () => saga.placeOrder(user.body.id, [{ sku: s, quantity: 1 }])),
    );
    expect(orders.map((o) => o.status)).toEqual(Array(50).fill(201));
    const settled = await Promise.all(orders.map((o) => saga.settled(o.body.id, undefined, 60_000)));
    const statuses = settled.map((o) => o.body.status);
    expect(statuses.filter((x) => x === 'CONFIRMED')).toHaveLength(20);
    expect(statuses.filter((x) => x === 'REJECTED')).toHaveLength(30);
    expect((await saga.item(item.body.id)).body).toMatchObject({ available: 0, reserved: 20 });
    await eventually(
      'stock level at 0',
      () => saga.stockLevel(s),
      (l) => l?.available === 0 && l.reserved === 20,
    );
  });

  it('cancels a pending order when its user is deleted, and its stock ends up released', async () => {
    const user = await saga.createUser();
    const s = sku('D');
    const item = await saga.stock(s, 5);
    await eventually(
      'customer projected',
      () => saga.placeOrder(user.body.id, [{ sku: sku('E'), quantity: 1 }]),
      (r) => r.status === 201,
    );

    // With inventory-service down, the order stays PENDING: nobody reserves it yet.
    const inventory = saga.services.get('inventory-service')!;
    expect(await inventory.stop()).toBe(0);
    saga.services.delete('inventory-service');
    const order = await saga.placeOrder(user.body.id, [{ sku: s, quantity: 2 }]);
    expect(order.status).toBe(201);
    expect((await saga.deleteUser(user.body.id)).status).toBe(204);
    await saga.settled(order.body.id, 'CANCELLED');

    // Back up, inventory-service sees orders.created and orders.cancelled, in whichever order:
    // either it never reserves, or it reserves and releases. Stock ends where it began.
    await saga.start('inventory-service');
    await eventually(
      'stock released',
      () => saga.item(item.body.id),
      (i) => i.body.reserved === 0 && i.body.available === 5,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await saga.item(item.body.id)).body).toMatchObject({ available: 5, reserved: 0 });
    expect((await saga.order(order.body.id)).body.status).toBe('CANCELLED');
    expect((await saga.placeOrder(user.body.id, [{ sku: s, quantity: 1 }])).status).toBe(422);
  });

  it('shows the confirmed order as one trace across the three services', async () => {
    const user = await saga.createUser();
    const s = sku('T');
    await saga.stock(s, 5);
    await eventually(
      'customer projected',
      () => saga.placeOrder(user.body.id, [{ sku: sku('U'), quantity: 1 }]),
      (r) => r.status === 201,
    );

    const { traceId, traceparent } = newTraceparent();
    const order = await saga.placeOrder(user.body.id, [{ sku: s, quantity: 1 }], { traceparent });
    expect(order.status).toBe(201);
    expect(order.headers.get('traceresponse')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    await saga.settled(order.body.id, 'CONFIRMED');

    const sink = otlpSink();
    const needed = (spans: ReceivedSpan[]) => {
      const services = new Set(spans.map((x) => x.resource['service.name']));
      const names = new Set(spans.map((x) => x.name));
      return (
        services.size === 3 &&
        [
          'send orders.created',
          'process orders.created',
          'send inventory.reserved',
          'process inventory.reserved',
          'send orders.confirmed',
          'process orders.confirmed',
        ].every((n) => names.has(n))
      );
    };
    const spans = await sink.waitFor(
      `the spans of trace ${traceId}`,
      async () => sink.forTrace(traceId).spans(),
      needed,
      30_000,
    );
    const by = (service: string) => spans.filter((x) => x.resource['service.name'] === service);
    expect(new Set(spans.map((x) => x.resource['service.name']))).toEqual(
      new Set(['user-service', 'order-service', 'inventory-service']),
    );

    const server = by('order-service').find(
      (x) => x.kind === SPAN_KIND.SERVER && x.attributes['http.route'] === '/api/orders',
    );
    expect(server?.name).toBe('POST /api/orders');
    expect(server?.attributes['app.order.id']).toBe(order.body.id);
    // A search by app.order.id finds the order's spans in every service, not just order-service.
    const withoutOrderId = spans.filter((x) => x.attributes['app.order.id'] !== order.body.id);
    expect(withoutOrderId.map((x) => `${x.resource['service.name']}: ${x.name}`)).toEqual([]);
    // service.version comes from the service's package.json.
    expect(new Set(spans.map((x) => x.resource['service.version']))).toEqual(new Set(['0.1.0']));
    const isDb = (x: ReceivedSpan, system: string) =>
      x.kind === SPAN_KIND.CLIENT &&
      (x.attributes['db.system'] === system || x.attributes['db.system.name'] === system);
    expect(by('order-service').some((x) => isDb(x, 'mongodb'))).toBe(true);
    expect(by('inventory-service').some((x) => isDb(x, 'postgresql'))).toBe(true);
    expect(by('user-service').some((x) => isDb(x, 'postgresql'))).toBe(true);

    // Every publish is a PRODUCER span and every process a CONSUMER span whose parent is that publish.
    const ids = new Map(spans.map((x) => [x.spanId, x]));
    for (const subject of ['orders.created', 'inventory.reserved', 'orders.confirmed']) {
      const send = spans.find((x) => x.name === `send ${subject}`);
      const process = spans.filter((x) => x.name === `process ${subject}`);
      expect(send?.kind).toBe(SPAN_KIND.PRODUCER);
      expect(process.length).toBeGreaterThan(0);
      for (const p of process) {
        expect(p.kind).toBe(SPAN_KIND.CONSUMER);
        expect(p.parentSpanId).toBe(send?.spanId);
        expect(p.attributes['messaging.system']).toBe('nats');
      }
    }
    // Health and readiness probes (polled every few milliseconds by the test runner) make no spans.
    const ofServices = await Promise.all(
      ['user-service', 'order-service', 'inventory-service'].map((s) => sink.forService(s).spans()),
    );
    const probes = ofServices
      .flat()
      .filter(
        (x) =>
          x.kind === SPAN_KIND.SERVER && ['/health', '/ready'].includes(String(x.attributes['url.path'])),
      );
    expect(probes).toEqual([]);

    // And every span's parent is in the trace, up to the request's own parent (the test's traceparent).
    const orphans = spans.filter((x) => x.parentSpanId && !ids.has(x.parentSpanId));
    expect(orphans.map((x) => x.name)).toEqual([server?.name]);
  });

  it('serves GET /metrics on each service port: HTTP and messaging metrics, named as the dashboards query them', async () => {
    const wanted: Record<ServiceName, string[]> = {
      'user-service': ['demo_users_created_total', 'messaging_client_consumed_messages_total'],
      'order-service': ['demo_orders_total', 'demo_order_saga_duration_seconds_bucket'],
      'inventory-service': ['demo_stock_available', 'messaging_process_duration_seconds_bucket'],
    };
    for (const name of ['user-service', 'order-service', 'inventory-service'] as const) {
      const response = await fetch(`${saga.url(name)}/metrics`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      const names = new Set(
        text.split('\n').flatMap((line) => line.match(/^([a-zA-Z_:][\w:]*)[{ ]/)?.[1] ?? []),
      );
      for (const metric of [
        'http_server_request_duration_seconds_bucket',
        'http_server_request_duration_seconds_count',
        'messaging_client_sent_messages_total',
        'messaging_client_operation_duration_seconds_bucket',
        'demo_bus_consumer_pending',
        ...wanted[name],
      ]) {
        expect(names.has(metric), `${name} /metrics lacks ${metric}`).toBe(true);
      }
      expect(text).toMatch(
        new RegExp(`^http_server_request_duration_seconds_count\\{[^}]*service_name="${name}"`, 'm'),
      );
    }
  });
});
