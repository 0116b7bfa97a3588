import type { ServiceProcess } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, createSuite, type Suite, uniqueEmail } from './helpers.js';

/**
 * Bounded waiting against the real PostgreSQL: with one pooled connection held by a statement
 * stuck on a lock, the next request gives up waiting for the pool (503 with Retry-After) instead
 * of queueing, and the stuck statement is cancelled by statement_timeout (503), not kept forever.
 */
describe('user-service bounded waits', () => {
  let suite: Suite;
  let service: ServiceProcess;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    suite = await createSuite();
    service = await suite.start({
      PG_POOL_MAX: '1',
      PG_CONNECT_TIMEOUT_MS: '300',
      PG_STATEMENT_TIMEOUT_MS: '2000',
    });
    api = client(service.url);
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('an exhausted pool answers 503 problem+json with Retry-After; a stuck statement is cancelled', async () => {
    const created = await api.createUser({ email: uniqueEmail('wait'), name: 'Wait' });
    expect(created.status).toBe(201);

    const locker = await suite.pool.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table users in access exclusive mode');
      const started = Date.now();
      const stuck = api.call('GET', '/api/users');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const queued = await api.call<{ status: number; type: string }>('GET', `/api/users/${created.body.id}`);
      expect(queued.status).toBe(503);
      expect(queued.headers.get('retry-after')).toBe('1');
      expect(queued.headers.get('content-type')).toContain('application/problem+json');
      expect(queued.body.type).toBe('urn:problem-type:service-unavailable');

      const cancelled = await stuck;
      expect(cancelled.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      await locker.query('rollback');
      locker.release();
    }
    // Back in service once the lock is gone (the cancelled statement's connection returns to the
    // pool of one; on a loaded machine that can take longer than the 300 ms connect wait).
    await expect
      .poll(async () => (await api.getUser(created.body.id)).status, { timeout: 10_000, interval: 200 })
      .toBe(200);
  });
});
