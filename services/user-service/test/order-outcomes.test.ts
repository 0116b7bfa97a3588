import { OrderConfirmed, OrderRejected } from '@demo/contracts';
import type { ServiceProcess } from '@demo/infra';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userService } from '../src/service.js';
import {
  client,
  createSuite,
  eventually,
  publishRaw,
  type Suite,
  uniqueEmail,
  waitAcked,
} from './helpers.js';

const CONFIRMED = userService.durableOf(OrderConfirmed);
const REJECTED = userService.durableOf(OrderRejected);

describe('user-service consumes orders.confirmed and orders.rejected', () => {
  let suite: Suite;
  let service: ServiceProcess;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    suite = await createSuite();
    service = await suite.start();
    api = client(service.url);
  });
  afterAll(async () => {
    await suite?.close();
  });

  async function newUser(): Promise<string> {
    const response = await api.createUser({ email: uniqueEmail('buyer'), name: 'Buyer' });
    expect(response.status).toBe(201);
    return response.body.id;
  }

  const processedCount = async (eventId: string) =>
    (
      await suite.pool.query('select count(*)::int as n from processed_messages where event_id = $1', [
        eventId,
      ])
    ).rows[0].n as number;

  it('orders.confirmed (published by the bus) adds one to orderCount and sets lastOrderAt to the event time', async () => {
    const userId = await newUser();
    const before = Date.now();
    await suite.bus.publish(OrderConfirmed, { orderId: crypto.randomUUID(), userId, total: 19.99 });

    const user = await eventually(
      'orderCount 1',
      () => api.getUser(userId).then((r) => r.body),
      (u) => u.orderCount === 1,
    );
    expect(user.rejectedOrderCount).toBe(0);
    expect(new Date(user.lastOrderAt ?? 0).getTime()).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('orders.rejected adds one to rejectedOrderCount and sets lastOrderAt to ce-time', async () => {
    const userId = await newUser();
    const time = new Date('2026-03-01T12:00:00.000Z');
    const eventId = crypto.randomUUID();
    await publishRaw(
      suite.bus,
      OrderRejected,
      { orderId: crypto.randomUUID(), userId, reason: 'insufficient_stock' },
      { id: eventId, time },
    );
    await waitAcked(suite.bus, 'ORDERS', REJECTED);

    const user = (await api.getUser(userId)).body;
    expect(user).toMatchObject({ orderCount: 0, rejectedOrderCount: 1, lastOrderAt: time.toISOString() });
    expect(await processedCount(eventId)).toBe(1);
  });

  it('counts a redelivered orders.confirmed (same ce-id) once', async () => {
    const userId = await newUser();
    const eventId = crypto.randomUUID();
    const data = { orderId: crypto.randomUUID(), userId, total: 5 };
    const time = new Date('2026-03-02T08:30:00.000Z');
    await publishRaw(suite.bus, OrderConfirmed, data, { id: eventId, time });
    await publishRaw(suite.bus, OrderConfirmed, data, { id: eventId, time });
    // Both copies were delivered and acknowledged: the second was seen and skipped, not lost.
    await waitAcked(suite.bus, 'ORDERS', CONFIRMED);

    const user = (await api.getUser(userId)).body;
    expect(user).toMatchObject({ orderCount: 1, rejectedOrderCount: 0, lastOrderAt: time.toISOString() });
    expect(await processedCount(eventId)).toBe(1);
    expect(service.output()).toContain('event already applied; redelivery ignored');
  });

  it('counts a redelivered orders.rejected once, while a different event for the same order counts', async () => {
    const userId = await newUser();
    const eventId = crypto.randomUUID();
    const data = { orderId: crypto.randomUUID(), userId, reason: 'unknown_sku' as const };
    await publishRaw(suite.bus, OrderRejected, data, { id: eventId });
    await publishRaw(suite.bus, OrderRejected, data, { id: eventId });
    await publishRaw(suite.bus, OrderRejected, data, { id: crypto.randomUUID() });
    await waitAcked(suite.bus, 'ORDERS', REJECTED);

    expect((await api.getUser(userId)).body.rejectedOrderCount).toBe(2);
  });

  it('adds up concurrent outcomes for one user', async () => {
    const userId = await newUser();
    const sends = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? suite.bus.publish(OrderConfirmed, { orderId: crypto.randomUUID(), userId, total: 1 })
        : suite.bus.publish(OrderRejected, { orderId: crypto.randomUUID(), userId, reason: 'unknown_sku' }),
    );
    await Promise.all(sends);
    await waitAcked(suite.bus, 'ORDERS', CONFIRMED);
    await waitAcked(suite.bus, 'ORDERS', REJECTED);
    expect((await api.getUser(userId)).body).toMatchObject({ orderCount: 10, rejectedOrderCount: 10 });
  });

  it('acknowledges an outcome for an unknown (deleted) user once, logs it, and dead-letters nothing', async () => {
    const userId = crypto.randomUUID();
    await publishRaw(
      suite.bus,
      OrderConfirmed,
      { orderId: crypto.randomUUID(), userId, total: 3 },
      { id: crypto.randomUUID() },
    );
    await waitAcked(suite.bus, 'ORDERS', CONFIRMED);

    const jsm = await jetstreamManager(suite.bus.nc);
    const info = await jsm.consumers.info('ORDERS', CONFIRMED);
    expect(info.num_redelivered).toBe(0);
    expect((await jsm.streams.info('DLQ')).state.messages).toBe(0);
    await eventually(
      'the skip logged',
      () => service.output(),
      (out) => out.includes('order outcome for an unknown user; skipped') && out.includes(userId),
    );
  });

  it('runs one durable consumer per event with the agreed delivery policy', async () => {
    const health = await api.call<{ checks: Record<string, { status: string }> }>('GET', '/ready');
    expect(health.status).toBe(200);
    const jsm = await jetstreamManager(suite.bus.nc);
    for (const [durable, subject] of [
      [CONFIRMED, 'orders.confirmed'],
      [REJECTED, 'orders.rejected'],
    ] as const) {
      const info = await jsm.consumers.info('ORDERS', durable);
      expect(info.config.filter_subject).toBe(subject);
      expect(info.config.ack_policy).toBe('explicit');
    }
  });
});
