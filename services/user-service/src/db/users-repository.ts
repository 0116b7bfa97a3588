import { pendingEvent } from '@demo/bus';
import { UserCreated, UserDeleted } from '@demo/contracts';
import type { KeysetPosition } from '@demo/http';
import { type Committed, noRelay } from '@demo/service';
import { and, asc, eq, gt, or } from 'drizzle-orm';
import { EmailTakenError, UserNotFoundError } from '../domain/errors.js';
import { type OrderOutcome, recordOrderOutcome } from '../domain/order-stats.js';
import { type User, userCreated, userDeleted } from '../domain/user.js';
import type { Database } from './client.js';
import { isUniqueViolation } from './errors.js';
import { writeOutbox } from './outbox.js';
import { processedMessages, users } from './schema.js';

export interface OrderOutcomeEvent {
  /** The event id (`ce-id`): recorded with the effect, so a redelivery is recognised. */
  eventId: string;
  subject: string;
  userId: string;
  outcome: OrderOutcome;
  at: Date;
}

/** `recorded`: counted now; `duplicate`: this event was counted before; `unknown_user`: no such user (deleted). */
export type OrderOutcomeResult = 'recorded' | 'duplicate' | 'unknown_user';

/** Users in PostgreSQL. Every change that announces an event writes it to the outbox in the same transaction. */
export class UserRepository {
  constructor(
    private readonly db: Database,
    /** Told about the outbox rows of every committed write (wakes the relay). */
    private readonly committed: Committed = noRelay,
  ) {}

  /** Inserts the user and its `users.created` event; EmailTakenError when the address is taken. */
  async create(user: User): Promise<User> {
    // Made here, in the request's context: the row keeps the trace of the request that wrote it.
    const created = pendingEvent(UserCreated, userCreated(user));
    try {
      await this.db.transaction(async (tx) => {
        await tx.insert(users).values(user);
        await writeOutbox(tx, [created]);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_unique'))
        throw new EmailTakenError(user.email, { cause: error });
      throw error;
    }
    this.committed([created]);
    return user;
  }

  async find(id: string): Promise<User | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id));
    return row;
  }

  /** Up to `limit` users after `after`, oldest first (ties broken by id). */
  async list(limit: number, after?: KeysetPosition): Promise<User[]> {
    return this.db
      .select()
      .from(users)
      .where(
        after &&
          or(
            gt(users.createdAt, after.createdAt),
            and(eq(users.createdAt, after.createdAt), gt(users.id, after.id)),
          ),
      )
      .orderBy(asc(users.createdAt), asc(users.id))
      .limit(limit);
  }

  /** Deletes the user and writes its `users.deleted` event; UserNotFoundError when absent. */
  async delete(id: string, at: Date): Promise<void> {
    const deleted = pendingEvent(UserDeleted, userDeleted(id, at));
    await this.db.transaction(async (tx) => {
      const removed = await tx.delete(users).where(eq(users.id, id)).returning({ id: users.id });
      if (removed.length === 0) throw new UserNotFoundError(id);
      await writeOutbox(tx, [deleted]);
    });
    this.committed([deleted]);
  }

  /**
   * Counts an order outcome once per event: the event id goes into `processed_messages` in the
   * same transaction as the counters, and a redelivered id changes nothing. The user's row is
   * locked so that concurrent outcomes for one user add up.
   */
  async applyOrderOutcome(event: OrderOutcomeEvent): Promise<OrderOutcomeResult> {
    return this.db.transaction(async (tx) => {
      const fresh = await tx
        .insert(processedMessages)
        .values({ eventId: event.eventId, subject: event.subject })
        .onConflictDoNothing()
        .returning({ eventId: processedMessages.eventId });
      if (fresh.length === 0) return 'duplicate';

      const [stats] = await tx
        .select({
          orderCount: users.orderCount,
          rejectedOrderCount: users.rejectedOrderCount,
          lastOrderAt: users.lastOrderAt,
        })
        .from(users)
        .where(eq(users.id, event.userId))
        .for('update');
      if (!stats) return 'unknown_user';

      await tx
        .update(users)
        .set(recordOrderOutcome(stats, event.outcome, event.at))
        .where(eq(users.id, event.userId));
      return 'recorded';
    });
  }
}
