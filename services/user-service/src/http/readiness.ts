import type { ReadinessCheck } from '@demo/http';
import type pg from 'pg';

/** `GET /ready`: PostgreSQL answers (the `nats` check, with every declared consumer, is added by `runService`). */
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
