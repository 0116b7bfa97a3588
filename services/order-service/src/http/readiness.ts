import { type Bus, busReadiness } from '@demo/bus';
import type { ReadinessCheck } from '@demo/http';
import type { Mongo } from '../db/client.js';

/**
 * `GET /ready`: MongoDB answers (critical), NATS is connected and every consumer is pulling
 * (not critical: orders keep their pending events in their documents while NATS is away).
 */
export function readinessChecks(
  mongo: Pick<Mongo, 'ping'>,
  bus: Pick<Bus, 'health' | 'rtt'>,
): ReadinessCheck[] {
  return [{ name: 'mongodb', check: () => mongo.ping() }, busReadiness(bus)];
}
