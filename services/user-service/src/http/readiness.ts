import type { Bus } from '@demo/bus';
import type { ReadinessCheck } from '@demo/http';
import type pg from 'pg';

/** `GET /ready`: PostgreSQL answers, NATS is connected and every consumer is pulling. */
export function readinessChecks(pool: pg.Pool, bus: Bus): ReadinessCheck[] {
  return [
    {
      name: 'postgres',
      check: async () => {
        await pool.query('select 1');
      },
    },
    {
      name: 'nats',
      check: async () => {
        const health = bus.health();
        if (!health.connected) throw new Error('not connected to NATS');
        const stopped = health.consumers.filter((c) => !c.running).map((c) => c.durable);
        if (stopped.length > 0) throw new Error(`consumers not running: ${stopped.join(', ')}`);
      },
    },
  ];
}
