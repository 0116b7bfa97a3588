import type { PendingEvent } from '@demo/bus';
import type { Database } from './client.js';
import { outbox } from './schema.js';

/** A transaction of `Database`: what a repository writes its change and its outbox rows with. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Inserts events into the outbox, inside the transaction of the change they announce. */
export async function writeOutbox(tx: Transaction, events: readonly PendingEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(outbox).values(
    events.map((event) => ({
      id: event.id,
      subject: event.subject,
      data: event.data,
      traceContext: event.traceContext,
      createdAt: event.createdAt,
    })),
  );
}
