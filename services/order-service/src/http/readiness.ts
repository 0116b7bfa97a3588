import type { ReadinessCheck } from '@demo/http';
import type { Mongo } from '../db/client.js';

/** `GET /ready`: MongoDB answers (the `nats` check, with every declared consumer, is added by `runService`). */
export function readinessChecks(mongo: Pick<Mongo, 'ping'>): ReadinessCheck[] {
  return [{ name: 'mongodb', check: () => mongo.ping() }];
}
