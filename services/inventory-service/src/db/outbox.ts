import type { PendingEvent } from '@demo/bus';
import { sql } from 'drizzle-orm';
import type { Transaction } from './client.js';
import { outbox } from './schema.js';

/** Told about the events of a transaction once it committed: wakes the relay (see main.ts). */
export type CommitListener = (events: readonly PendingEvent[]) => void;

/**
 * Adds events to the outbox inside the writing transaction. `created_at` is the database's
 * `clock_timestamp()` at insert, not the transaction start: a change that waited for a row lock
 * is then ordered after the change that held it, so the relay publishes a SKU's stock changes
 * in commit order (the stock-level read model relies on it).
 */
export async function writeOutbox(tx: Transaction, events: readonly PendingEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(outbox).values(
    events.map((event) => ({
      id: event.id,
      subject: event.subject,
      data: event.data,
      traceContext: event.traceContext,
      createdAt: sql`clock_timestamp()`,
    })),
  );
}
