import type { ServiceProcess } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, createSuite, eventually, type Suite, uniqueEmail } from './helpers.js';

interface Ready {
  status: string;
  checks: Record<string, { status: string }>;
}

/**
 * A NATS outage as /ready tells it: the bus is never reported ok while the client is
 * disconnected or reconnecting; HTTP stays in service (degraded) because the outbox absorbs
 * writes, and what waited is published once NATS is back.
 */
describe('user-service readiness during a NATS outage', () => {
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

  it('reports the bus failed while NATS is down, degraded but serving, and ok again after', async () => {
    const ready = () => api.call<Ready>('GET', '/ready');
    expect((await ready()).body).toMatchObject({ status: 'ok', checks: { nats: { status: 'ok' } } });

    await suite.nats.stop();
    try {
      const down = await eventually(
        '/ready to report NATS down',
        ready,
        (r) => r.body.checks.nats?.status !== 'ok',
      );
      expect(down.status).toBe(200);
      expect(down.body).toMatchObject({ status: 'degraded', checks: { postgres: { status: 'ok' } } });
      // Every sample while the server is down says so: reconnecting is not connected.
      for (let i = 0; i < 10; i++) {
        const sample = await ready();
        expect(sample.body.checks.nats?.status).not.toBe('ok');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Writes are still accepted: the outbox holds the event.
      const created = await api.createUser({ email: uniqueEmail('outage'), name: 'During outage' });
      expect(created.status).toBe(201);
    } finally {
      await suite.nats.restart();
    }
    await eventually('/ready to report NATS ok again', ready, (r) => r.body.status === 'ok', 30_000);
  });
});
