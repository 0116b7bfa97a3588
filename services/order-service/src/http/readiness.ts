import type { Bus } from '@demo/bus';
import type { ReadinessCheck } from '@demo/http';
import type { Mongo } from '../db/client.js';

/** `GET /ready`: MongoDB answers, NATS is connected and every consumer is pulling. */
export function readinessChecks(mongo: Pick<Mongo, 'ping'>, bus: Pick<Bus, 'health'>): ReadinessCheck[] {
  return [
    { name: 'mongodb', check: () => mongo.ping() },
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
