import { count, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { OutboxStore, PendingEvent } from '../outbox.js';

/**
 * The outbox table, for a service's drizzle schema (so drizzle-kit puts it in the migrations):
 * `export const outbox = outboxTable();`. Rows are written in the same transaction as the change
 * they announce, with `pendingEvent()` from `@demo/bus`.
 */
export function outboxTable(name = 'outbox') {
  return pgTable(
    name,
    {
      id: uuid('id').primaryKey(),
      subject: text('subject').notNull(),
      data: jsonb('data').notNull(),
      traceContext: jsonb('trace_context').$type<Record<string, string>>().notNull().default({}),
      createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
      publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
    },
    (t) => [index(`${name}_unpublished_idx`).on(t.createdAt).where(sql`${t.publishedAt} is null`)],
  );
}

export type OutboxTable = ReturnType<typeof outboxTable>;

// biome-ignore lint/suspicious/noExplicitAny: drizzle's own database type is generic over the schema
type Database = NodePgDatabase<any>;

/** `OutboxStore` over a PostgreSQL outbox table, for `OutboxRelay`. */
export class PostgresOutboxStore implements OutboxStore {
  constructor(
    private readonly db: Database,
    private readonly table: OutboxTable,
  ) {}

  async pending(limit: number): Promise<PendingEvent[]> {
    const t = this.table;
    const rows = await this.db
      .select({
        id: t.id,
        subject: t.subject,
        data: t.data,
        traceContext: t.traceContext,
        createdAt: t.createdAt,
      })
      .from(t)
      .where(isNull(t.publishedAt))
      .orderBy(t.createdAt, t.id)
      .limit(limit);
    return rows;
  }

  async markPublished(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .update(this.table)
      .set({ publishedAt: new Date() })
      .where(inArray(this.table.id, [...ids]));
  }

  async backlog(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(this.table).where(isNull(this.table.publishedAt));
    return row?.n ?? 0;
  }
}

/**
 * Adds events to the outbox inside the transaction of the change they announce. `created_at` is
 * the database's `clock_timestamp()` at insert, not the transaction's start: a change that waited
 * for a row lock is ordered after the change that held it, so a sweep reads them in that order.
 * That is no promise of stream order: the relay's after-commit path publishes in the order commits
 * are reported, which under load can differ from commit order, and a republish comes later still.
 * Events that consumers must put in order carry a per-aggregate version.
 */
export async function writeOutbox(
  tx: Pick<Database, 'insert'>,
  table: OutboxTable,
  events: readonly PendingEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(table).values(
    events.map((event) => ({
      id: event.id,
      subject: event.subject,
      data: event.data,
      traceContext: event.traceContext,
      createdAt: sql`clock_timestamp()`,
    })),
  );
}

/**
 * The rows `writeOutbox` writes, as one `insert … select … from unnest(…)` statement with the
 * events as array parameters (never spliced into the text): for a data-modifying `with` that
 * writes a change and announces it in one round trip. `created_at` is `clock_timestamp()` per
 * row, in the order of `events`, as with `writeOutbox`. No events, no rows.
 */
export function outboxInsert(table: OutboxTable, events: readonly PendingEvent[]): SQL {
  const column = (c: { name: string }) => sql.identifier(c.name);
  return sql`insert into ${table} (${column(table.id)}, ${column(table.subject)}, ${column(table.data)}, ${column(table.traceContext)}, ${column(table.createdAt)})
    select e.id, e.subject, e.data, e.trace_context, clock_timestamp()
      from unnest(${sql.param(events.map((e) => e.id))}::uuid[],
                  ${sql.param(events.map((e) => e.subject))}::text[],
                  ${sql.param(events.map((e) => JSON.stringify(e.data)))}::jsonb[],
                  ${sql.param(events.map((e) => JSON.stringify(e.traceContext)))}::jsonb[])
           as e(id, subject, data, trace_context)`;
}
