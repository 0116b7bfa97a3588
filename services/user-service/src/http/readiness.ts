import { type Bus, busReadiness } from '@demo/bus';
import type { ReadinessCheck } from '@demo/http';
import type pg from 'pg';

/**
 * `GET /ready`: PostgreSQL answers (critical), NATS is connected and every consumer is pulling
 * (not critical: the outbox absorbs writes while NATS is away, so /ready says `degraded`).
 */
export function readinessChecks(pool: pg.Pool, bus: Pick<Bus, 'health' | 'rtt'>): ReadinessCheck[] {
  return [
    {
      name: 'postgres',
      check: async () => {
        await pool.query('select 1');
      },
    },
    busReadiness(bus),
  ];
}
