import type { ReadinessCheck } from '@demo/http';
import type { Db } from 'mongodb';
import type pg from 'pg';

/**
 * `GET /ready`: PostgreSQL and MongoDB answer (critical). The `nats` check (not critical: stock
 * writes go to the outbox while NATS is away) is added by `runService`, with every consumer the
 * service declares.
 */
export function readinessChecks(deps: { pool: pg.Pool; mongo: Db }): ReadinessCheck[] {
  return [
    { name: 'postgres', check: () => deps.pool.query('select 1').then(() => undefined) },
    { name: 'mongodb', check: () => deps.mongo.command({ ping: 1 }).then(() => undefined) },
  ];
}
