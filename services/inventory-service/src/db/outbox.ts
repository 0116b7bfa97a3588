import type { PendingEvent } from '@demo/bus';
import { writeOutbox as writeOutboxRows } from '@demo/bus/postgres';
import type { Transaction } from './client.js';
import { outbox } from './schema.js';

/**
 * Adds events to the outbox inside the writing transaction. They are published in the order
 * commits are heard of, which under load is not always commit order: a SKU's stock changes carry
 * its version for that (see `@demo/bus/postgres`).
 */
export function writeOutbox(tx: Transaction, events: readonly PendingEvent[]): Promise<void> {
  return writeOutboxRows(tx, outbox, events);
}
