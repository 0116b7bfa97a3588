import type { PendingEvent } from '@demo/bus';
import { writeOutbox as writeOutboxRows } from '@demo/bus/postgres';
import type { Database } from './client.js';
import { outbox } from './schema.js';

/** A transaction of `Database`: what a repository writes its change and its outbox rows with. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Inserts events into the outbox, inside the transaction of the change they announce. */
export function writeOutbox(tx: Transaction, events: readonly PendingEvent[]): Promise<void> {
  return writeOutboxRows(tx, outbox, events);
}
