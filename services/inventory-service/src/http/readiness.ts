import { type Bus, busReadiness } from '@demo/bus';
import type { ReadinessCheck } from '@demo/http';
import type { Db } from 'mongodb';
import type pg from 'pg';

/**
 * `GET /ready`: PostgreSQL and MongoDB answer (critical), NATS is connected and every consumer
 * runs (not critical: stock writes go to the outbox while NATS is away).
 */
export function readinessChecks(deps: {
  pool: pg.Pool;
  mongo: Db;
  bus: Pick<Bus, 'health' | 'rtt'>;
  consumers: number;
}): ReadinessCheck[] {
  return [
    { name: 'postgres', check: () => deps.pool.query('select 1').then(() => undefined) },
    { name: 'mongodb', check: () => deps.mongo.command({ ping: 1 }).then(() => undefined) },
    busReadiness(deps.bus, { consumers: deps.consumers }),
  ];
}
