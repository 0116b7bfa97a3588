import type { Bus } from '@demo/bus';
import type { ReadinessCheck } from '@demo/http';
import type { Db } from 'mongodb';
import type pg from 'pg';

/** `GET /ready`: PostgreSQL and MongoDB answer, NATS is connected and every consumer runs. */
export function readinessChecks(deps: {
  pool: pg.Pool;
  mongo: Db;
  bus: Bus;
  consumers: number;
}): ReadinessCheck[] {
  return [
    { name: 'postgres', check: () => deps.pool.query('select 1').then(() => undefined) },
    { name: 'mongodb', check: () => deps.mongo.command({ ping: 1 }).then(() => undefined) },
    {
      name: 'nats',
      check: async () => {
        const health = deps.bus.health();
        if (!health.connected) throw new Error('not connected to NATS');
        const stopped = health.consumers.filter((c) => !c.running).map((c) => c.durable);
        if (stopped.length > 0) throw new Error(`consumers not running: ${stopped.join(', ')}`);
        if (health.consumers.length < deps.consumers) {
          throw new Error(`${health.consumers.length} of ${deps.consumers} consumers started`);
        }
      },
    },
  ];
}
