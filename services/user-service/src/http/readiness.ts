import type { ReadinessCheck } from '@demo/http';
import type pg from 'pg';

/**
 * `GET /ready`: PostgreSQL answers (critical). The `nats` check (not critical: the outbox absorbs
 * writes while NATS is away, so /ready says `degraded`) is added by `runService`, with every
 * consumer the service declares.
 */
export function readinessChecks(pool: pg.Pool): ReadinessCheck[] {
  return [
    {
      name: 'postgres',
      check: async () => {
        await pool.query('select 1');
      },
    },
  ];
}
