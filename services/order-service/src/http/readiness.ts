import type { ReadinessCheck } from '@demo/http';
import type { MongoConnection } from '@demo/service/mongodb';

/**
 * `GET /ready`: MongoDB answers (critical). The `nats` check (not critical: orders keep their
 * pending events in their documents while NATS is away) is added by `runService`, with every
 * consumer the service declares.
 */
export function readinessChecks(mongo: Pick<MongoConnection, 'ping'>): ReadinessCheck[] {
  return [{ name: 'mongodb', check: () => mongo.ping() }];
}
