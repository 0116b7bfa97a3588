import type { Bus } from './bus.js';

/** A readiness check as `@demo/http` takes it (structurally: the bus does not depend on HTTP). */
export interface BusReadinessCheck {
  name: string;
  critical: boolean;
  check: () => Promise<void>;
}

/**
 * The bus's part of `/ready`: connected (reconnecting is not), the server answers a round trip,
 * and every consumer (at least `consumers` of them) is pulling. Not critical by default: an
 * outbox keeps accepting writes while NATS is away, so the service stays in service, reported
 * `degraded`, and publishes what waited once NATS is back.
 */
export function busReadiness(
  bus: Pick<Bus, 'health' | 'rtt'>,
  options: { consumers?: number; critical?: boolean } = {},
): BusReadinessCheck {
  return {
    name: 'nats',
    critical: options.critical ?? false,
    check: async () => {
      const health = bus.health();
      if (!health.connected) throw new Error('not connected to NATS (disconnected or reconnecting)');
      await bus.rtt();
      const stopped = health.consumers.filter((c) => !c.running).map((c) => c.durable);
      if (stopped.length > 0) throw new Error(`consumers not running: ${stopped.join(', ')}`);
      const expected = options.consumers ?? 0;
      if (health.consumers.length < expected) {
        throw new Error(`${health.consumers.length} of ${expected} consumers started`);
      }
    },
  };
}
