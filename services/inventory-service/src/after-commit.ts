import type { PendingEvent } from '@demo/bus';
import type { Logger } from '@demo/telemetry';
import type { CommitListener } from './db/outbox.js';

/**
 * What runs after a transaction that wrote outbox events committed: wake the relay. With the
 * test-only switch `FAULT_CRASH_AFTER_COMMIT=<subject>`, a commit that wrote an event of that
 * subject kills the process first (SIGKILL, exit 137): the event is in the outbox, unpublished,
 * exactly as after a crash, and the relay's start sweep after a restart must publish it once.
 */
export function afterCommit(options: {
  notify: () => void;
  crashAfterCommit?: string | undefined;
  logger: Logger;
}): CommitListener {
  const { notify, crashAfterCommit, logger } = options;
  return (events: readonly PendingEvent[]) => {
    if (events.length === 0) return;
    if (crashAfterCommit !== undefined && events.some((e) => e.subject === crashAfterCommit)) {
      logger.warn(
        { subject: crashAfterCommit, eventIds: events.map((e) => e.id) },
        'FAULT_CRASH_AFTER_COMMIT: killing the process after the commit, before the relay publishes',
      );
      process.kill(process.pid, 'SIGKILL');
    }
    notify();
  };
}
