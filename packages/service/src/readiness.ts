import type { BusHealth } from '@demo/bus';
import type { ReadinessCheck } from '@demo/http';

/**
 * `nats` readiness: connected, and every declared consumer started and pulling. Derived from
 * the service's declaration, so a consumer added there is waited for here.
 */
export function natsReadiness(bus: { health(): BusHealth }, durables: readonly string[]): ReadinessCheck {
  return {
    name: 'nats',
    check: async () => {
      const health = bus.health();
      if (!health.connected) throw new Error('not connected to NATS');
      const running = new Set(health.consumers.filter((c) => c.running).map((c) => c.durable));
      const stopped = health.consumers.filter((c) => !c.running).map((c) => c.durable);
      if (stopped.length > 0) throw new Error(`consumers not running: ${stopped.join(', ')}`);
      const missing = durables.filter((d) => !running.has(d));
      if (missing.length > 0) {
        throw new Error(
          `${durables.length - missing.length} of ${durables.length} consumers started; missing: ${missing.join(', ')}`,
        );
      }
    },
  };
}
