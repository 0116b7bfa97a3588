import { type BusLogger, OutboxRelay, type OutboxRelayOptions, type OutboxStore } from '@demo/bus';
import { UserCreated, UserDeleted } from '@demo/contracts';
import type { AfterCommit } from '../db/users-repository.js';

/** What this service publishes, all through its outbox. */
export const producedEvents = [UserCreated, UserDeleted] as const;

export function createOutboxRelay(
  publisher: OutboxRelayOptions['publisher'],
  store: OutboxStore,
  logger: BusLogger,
): OutboxRelay {
  return new OutboxRelay({ publisher, store, contracts: producedEvents, logger, sweepIntervalMs: 2_000 });
}

/**
 * After a commit: publish its events now. With `crashAfterCommit` (a subject; tests only) the
 * process is killed instead when the commit wrote an event of that subject, leaving it for the
 * relay's start-up sweep after a restart.
 */
export function publishAfterCommit(
  relay: OutboxRelay,
  logger: BusLogger,
  crashAfterCommit: string | undefined,
): AfterCommit {
  return (events) => {
    const crashOn = crashAfterCommit && events.find((e) => e.subject === crashAfterCommit);
    if (crashOn) {
      logger.warn(
        { eventId: crashOn.id, subject: crashOn.subject },
        'FAULT_CRASH_AFTER_COMMIT: killing the process before the relay publishes',
      );
      process.kill(process.pid, 'SIGKILL');
      return;
    }
    relay.notify();
  };
}
