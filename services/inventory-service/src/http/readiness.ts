import type { ReadinessCheck } from '@demo/http';
import type { Db } from 'mongodb';
import type pg from 'pg';

/** `GET /ready`: PostgreSQL and MongoDB answer (the `nats` check, with every declared consumer, is added by `runService`). */
export function readinessChecks(deps: { pool: pg.Pool; mongo: Db }): ReadinessCheck[] {
  return [
    { name: 'postgres', check: () => deps.pool.query('select 1').then(() => undefined) },
    { name: 'mongodb', check: () => deps.mongo.command({ ping: 1 }).then(() => undefined) },
  ];
}
