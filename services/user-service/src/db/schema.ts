import { outboxTable } from '@demo/bus/postgres';
import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A registered user; `email` is stored lower-cased, so the unique index is case-insensitive. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull().unique('users_email_unique'),
    name: text('name').notNull(),
    orderCount: integer('order_count').notNull().default(0),
    rejectedOrderCount: integer('rejected_order_count').notNull().default(0),
    lastOrderAt: timestamp('last_order_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  // The list endpoint pages by (created_at, id).
  (t) => [index('users_created_at_id_idx').on(t.createdAt, t.id)],
);

/** Events this service consumed, written in the same transaction as their effect: a redelivery finds its id here. */
export const processedMessages = pgTable('processed_messages', {
  eventId: text('event_id').primaryKey(),
  subject: text('subject').notNull(),
  processedAt: timestamp('processed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/** The transactional outbox: `users.*` events wait here until the relay has published them. */
export const outbox = outboxTable();

export type UserRow = typeof users.$inferSelect;
