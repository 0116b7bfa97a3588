import type { PendingEvent } from '@demo/bus';
import { writeOutbox as writeOutboxRows } from '@demo/bus/postgres';
import type { Transaction } from './client.js';
import { outbox } from './schema.js';

/** Adds events to the outbox inside the writing transaction (in commit order: see `@demo/bus/postgres`). */
export function writeOutbox(tx: Transaction, events: readonly PendingEvent[]): Promise<void> {
  return writeOutboxRows(tx, outbox, events);
}
