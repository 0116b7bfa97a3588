import { otlpSink, type ReceivedSpan, SPAN_KIND } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually, Saga, type ServiceName, sku } from './saga.js';

/**
 * The demo's fault switches (docs/scenarios.md), each turned on at run time through
 * `PUT /admin/faults`, and its effect found in what the services sent to the collector.
 */
describe('fault switches for the demo: each shows in the telemetry', () => {
  let saga: Saga;
  const sink = otlpSink();
  const admin = { DEMO_FAULTS_ADMIN: 'true' };

  beforeAll(async () => {
    saga = await Saga.start({ 'user-service': admin, 'order-service': admin, 'inventory-service': admin });
  });
  afterAll(async () => {
    await saga?.stop();
  });

  const setFaults = async (service: ServiceName, body: Record<string, number>) => {
    const answer = await call('PUT', `${saga.url(service)}/admin/faults`, body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject(body);
  };

  /** A user who may order, and an order of one item in stock; answers the order id. */
  const placeOne = async (): Promise<string> => {
    const user = await saga.createUser();
    const s = sku('F');
    await saga.stock(s, 10);
    const order = await eventually(
      'customer projected',
      () => saga.placeOrder(user.body.id, [{ sku: s, quantity: 1 }]),
      (r) => r.status === 201,
    );
    return order.body.id;
  };

  const spansOf = (orderId: string, service: ServiceName, ok: (spans: ReceivedSpan[]) => boolean) =>
    sink.waitFor(
      `${service} spans of order ${orderId}`,
      async () =>
        (await sink.forService(service).spans()).filter(
          (s) => s.attributes['app.order.id'] === orderId && s.resource['service.name'] === service,
        ),
      ok,
      30_000,
    );

  it('reservation latency: the inventory process span of orders.created lasts that long, marked', async () => {
    await setFaults('inventory-service', { reservationLatencyMs: 700 });
    try {
      const orderId = await placeOne();
      await saga.settled(orderId, 'CONFIRMED');
      const spans = await spansOf(orderId, 'inventory-service', (all) =>
        all.some((s) => s.name === 'process orders.created'),
      );
      const process = spans.find((s) => s.name === 'process orders.created');
      expect(process?.attributes['app.fault']).toBe('reservationLatencyMs');
      expect(process?.events).toContain('fault injected');
      expect(process?.durationMs).toBeGreaterThanOrEqual(700);
    } finally {
      await setFaults('inventory-service', { reservationLatencyMs: 0 });
    }
  });

  it('slow database: a pg_sleep span as long as the switch, in the order’s trace', async () => {
    await setFaults('inventory-service', { slowDatabaseMs: 500 });
    try {
      const orderId = await placeOne();
      await saga.settled(orderId, 'CONFIRMED');
      const isSleep = (s: ReceivedSpan) =>
        s.kind === SPAN_KIND.CLIENT && String(s.attributes['db.query.text'] ?? '').includes('pg_sleep');
      const spans = await spansOf(orderId, 'inventory-service', (all) => all.some(isSleep));
      expect(spans.find(isSleep)?.durationMs).toBeGreaterThanOrEqual(500);
    } finally {
      await setFaults('inventory-service', { slowDatabaseMs: 0 });
    }
  });

  it('handler error rate: failing user-service process spans, then the retry succeeds once it is off', async () => {
    await setFaults('user-service', { handlerErrorRate: 1 });
    const orderId = await placeOne();
    try {
      await saga.settled(orderId, 'CONFIRMED');
      const spans = await spansOf(orderId, 'user-service', (all) =>
        all.some((s) => s.name === 'process orders.confirmed' && s.status.code === 2),
      );
      const failed = spans.find((s) => s.name === 'process orders.confirmed' && s.status.code === 2);
      expect(failed?.attributes['app.fault']).toBe('handlerErrorRate');
    } finally {
      await setFaults('user-service', { handlerErrorRate: 0 });
    }
    // Redelivered (backoff 0.5 s, then 2 s) and now handled.
    await spansOf(orderId, 'user-service', (all) =>
      all.some((s) => s.name === 'process orders.confirmed' && s.status.code !== 2),
    );
  });

  it('stalled consumer: the user-service process span hangs for the stall', async () => {
    await setFaults('user-service', { consumerStallMs: 1_500 });
    try {
      const orderId = await placeOne();
      await saga.settled(orderId, 'CONFIRMED');
      const spans = await spansOf(orderId, 'user-service', (all) =>
        all.some((s) => s.name === 'process orders.confirmed'),
      );
      const process = spans.find((s) => s.name === 'process orders.confirmed');
      expect(process?.attributes['app.fault']).toBe('consumerStallMs');
      expect(process?.durationMs).toBeGreaterThanOrEqual(1_500);
    } finally {
      await setFaults('user-service', { consumerStallMs: 0 });
    }
  });

  it('poison messages: inventory-service dead-letters them, by reason, in its metrics', async () => {
    // The sink holds every process's counters of the whole run: each series (resource and
    // attributes, the process among them) counts up on its own, so add up each one's latest.
    const deadLetters = async () => {
      const latest = new Map<string, number>();
      for (const m of await sink.forService('inventory-service').metrics()) {
        if (m.name !== 'demo.bus.dead_letters') continue;
        for (const p of m.dataPoints) {
          if (p.attributes['messaging.destination.name'] !== 'orders.created') continue;
          const series = JSON.stringify([m.resource, p.attributes]);
          latest.set(series, Math.max(latest.get(series) ?? 0, p.value ?? 0));
        }
      }
      return [...latest.values()].reduce((sum, n) => sum + n, 0);
    };
    const before = await deadLetters();
    await setFaults('order-service', { poisonMessages: 3 });
    await setFaults('order-service', { poisonMessages: 0 });
    // Metrics leave every export interval, and the sink holds the whole run's: allow for both.
    await sink.waitFor('3 more dead letters of orders.created', deadLetters, (n) => n >= before + 3, 80_000);
  }, 90_000);
});
