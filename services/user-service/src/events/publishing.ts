import { type BusLogger, OutboxRelay, type OutboxRelayOptions, type OutboxStore } from '@demo/bus';
import { UserCreated, UserDeleted } from '@demo/contracts';

/** What this service publishes, all through its outbox. */
export const producedEvents = [UserCreated, UserDeleted] as const;

export function createOutboxRelay(
  publisher: OutboxRelayOptions['publisher'],
  store: OutboxStore,
  logger: BusLogger,
  crashAfterCommitOf?: string,
): OutboxRelay {
  return new OutboxRelay({
    publisher,
    store,
    contracts: producedEvents,
    logger,
    sweepIntervalMs: 2_000,
    crashAfterCommitOf,
  });
}
