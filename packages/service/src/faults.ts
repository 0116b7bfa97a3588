import type { BusLogger } from '@demo/bus';
import type { Committed } from './committed.js';

/** What a fault switch does to the process: SIGKILL by default (a crash, nothing flushed). */
export type Kill = () => void;

const sigkill: Kill = () => process.kill(process.pid, 'SIGKILL');

/**
 * Fault switch for crash-safety tests (`FAULT_CRASH_AFTER_COMMIT=<subject>`): wraps `committed`
 * so that a commit holding an event of `subject` kills the process before the relay is told,
 * leaving the event in the outbox as a crash between commit and publish would. Without a
 * subject it returns `committed` itself.
 */
export function crashAfterCommit(
  subject: string | undefined,
  committed: Committed,
  logger: BusLogger,
  kill: Kill = sigkill,
): Committed {
  if (subject === undefined) return committed;
  return (events) => {
    const victim = events.find((e) => e.subject === subject);
    if (victim === undefined) {
      committed(events);
      return;
    }
    logger.warn(
      { eventId: victim.id, subject: victim.subject },
      'crash after commit (fault injection): killing the process before the relay publishes',
    );
    kill();
  };
}
