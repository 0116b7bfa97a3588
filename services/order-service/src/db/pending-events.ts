import type { BusLogger, PendingEvent } from '@demo/bus';
import { CoalescedWrites } from '@demo/service';
import { deleteByIds } from './delete-by-ids.js';
import type { Collections, PendingEventDocument } from './schema.js';
import { insertUnordered } from './unordered-insert.js';

/**
 * The `outbox` collection: one small document per event not yet published, keyed by the
 * event id and naming the order that holds the event. The relay finds pending work here,
 * never by searching the orders (on FerretDB every non-`_id` query of `orders` scans it).
 *
 * A write records its events here first ("intent"), then changes the order; there are no
 * multi-document transactions, so an intent whose order write never happened can exist: the
 * store checks each leftover against its order before publishing it. Intents of concurrent
 * writers are inserted together (one `insert` command at a time, the next batch queueing behind),
 * so the extra write costs a fraction of a round trip per event.
 */
export class PendingEventsLog {
  private readonly inserts: CoalescedWrites<PendingEventDocument>;

  constructor(
    private readonly collections: Pick<Collections, 'outbox'>,
    private readonly logger: BusLogger,
  ) {
    this.inserts = new CoalescedWrites((docs) => insertUnordered(this.collections.outbox, docs));
  }

  /** Resolves once the intents of `events` (held by order `orderId`) are stored. */
  async intend(orderId: string, events: readonly PendingEvent[], now: Date): Promise<void> {
    await this.inserts.run(
      events.map(
        (event): PendingEventDocument => ({ _id: event.id, orderId, createdAt: event.createdAt ?? now }),
      ),
    );
  }

  /** Drops intents whose order write did not happen (best effort: a leftover is checked later). */
  async forget(ids: readonly string[]): Promise<void> {
    try {
      await deleteByIds(this.collections.outbox, ids);
    } catch (error) {
      this.logger.warn(
        { err: error, eventIds: ids },
        'could not drop outbox intents; the relay will check them',
      );
    }
  }
}
