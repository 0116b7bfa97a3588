import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  customer,
  eventually,
  exitOf,
  get,
  type OrderJson,
  pendingEventIds,
  post,
  publishedFor,
  type Suite,
  startSuite,
} from './helpers.js';

describe('order-service process', () => {
  describe('graceful shutdown', () => {
    let suite: Suite;
    beforeAll(async () => {
      suite = await startSuite();
    });
    afterAll(async () => {
      await suite?.close();
    });

    it('drains and exits 0 on SIGTERM, running the steps in order', async () => {
      const userId = await customer(suite);
      expect(
        (await post(suite, '/api/orders', { userId, items: [{ sku: 'SKU-1', quantity: 1 }] })).status,
      ).toBe(201);

      expect(await suite.service.stop()).toBe(0);
      const steps = suite.service
        .output()
        .split('\n')
        .filter((line) => line.includes('"shutdown step done"'))
        .map((line) => JSON.parse(line) as { step: string; position: number })
        .sort((a, b) => a.position - b.position)
        .map((line) => line.step);
      expect(steps).toEqual(['saga deadlines', 'outbox relay', 'bus', 'telemetry', 'mongodb']);
      expect(suite.service.output()).toContain('"shutdown complete"');
    });
  });

  describe('crash between the commit and the publish (FAULT_CRASH_AFTER_COMMIT)', () => {
    let suite: Suite;
    beforeAll(async () => {
      suite = await startSuite({ FAULT_CRASH_AFTER_COMMIT: 'orders.created' });
    });
    afterAll(async () => {
      await suite?.close();
    });

    it('keeps the event in the order’s outbox, and after a restart publishes it exactly once', async () => {
      const userId = await customer(suite);
      const request = post<OrderJson>(suite, '/api/orders', {
        userId,
        items: [{ sku: 'SKU-1', quantity: 4 }],
      });
      await expect(request).rejects.toThrow();
      expect(await exitOf(suite.service)).toEqual({ code: null, signal: 'SIGKILL' });

      const [doc, ...others] = await suite.db.collection('orders').find({ userId }).toArray();
      expect(others).toEqual([]);
      const orderId = String(doc?._id);
      expect(doc?.status).toBe('PENDING');
      expect(doc?.events).toEqual([expect.objectContaining({ subject: 'orders.created' })]);
      const eventId = String(doc?.events[0].id);
      expect(await pendingEventIds(suite)).toEqual([eventId]);
      expect(await publishedFor(suite, 'orders.created', orderId)).toEqual([]);

      await suite.restart();
      const [event, ...duplicates] = await eventually(
        'orders.created after the restart',
        () => publishedFor(suite, 'orders.created', orderId),
        (found) => found.length > 0,
      );
      expect(duplicates).toEqual([]);
      expect(event?.data).toMatchObject({ orderId, userId, items: [{ sku: 'SKU-1', quantity: 4 }] });
      expect(event?.headers['ce-id']).toBe(eventId);
      await eventually(
        'the outbox to be emptied',
        () => pendingEventIds(suite),
        (ids) => ids.length === 0,
      );

      // Two more sweeps of the relay (every 2 s) publish nothing more.
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      expect(await publishedFor(suite, 'orders.created', orderId)).toHaveLength(1);
      expect((await get<OrderJson>(suite, `/api/orders/${orderId}`)).body.status).toBe('PENDING');
    });

    it('answers unknown ids with 404 after the restart (the service is whole again)', async () => {
      expect((await get(suite, `/api/orders/${randomUUID()}`)).status).toBe(404);
    });
  });
});
