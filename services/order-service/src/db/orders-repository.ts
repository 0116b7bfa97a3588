import type { PendingEvent } from '@demo/bus';
import type { KeysetPosition } from '@demo/http';
import type { Committed } from '@demo/service';
import type { Filter } from 'mongodb';
import type { Order, OrderEvent, OrderStatus, Transition } from '../domain/order.js';
import type { DocumentLocks } from './document-locks.js';
import { toPendingEvent } from './order-events.js';
import type { PendingEventsLog } from './pending-events.js';
import type { Collections, OrderDocument, OutboxEntry } from './schema.js';
import { isDuplicateKey } from './unordered-insert.js';

/** `insert` found an order stored under the new order's id already: nothing was written. */
export class OrderExistsError extends Error {
  override readonly name = 'OrderExistsError';
  constructor(
    readonly orderId: string,
    options?: ErrorOptions,
  ) {
    super(`an order ${orderId} is stored already`, options);
  }
}

export interface ListOrders {
  userId?: string;
  status?: OrderStatus;
  limit: number;
  /** Start after this order (newest first). */
  after?: KeysetPosition;
}

/** The lock key of an order document's writes. */
export const orderLock = (orderId: string) => `orders:${orderId}`;

/** Reads leave the events in the database: they never reach the domain or the API. */
const withoutOutbox = { events: 0 } as const;

function toOrder(doc: Omit<OrderDocument, 'events'>): Order {
  const order: Order = {
    id: doc._id,
    userId: doc.userId,
    items: doc.items.map(({ sku, quantity }) => ({ sku, quantity })),
    status: doc.status,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
  if (doc.reason !== undefined) order.reason = doc.reason;
  if (doc.total !== undefined) order.total = doc.total;
  if (doc.idempotency !== undefined) {
    order.idempotency = { key: doc.idempotency.key, fingerprint: doc.idempotency.fingerprint };
  }
  return order;
}

function toOutboxEntry(event: PendingEvent, now: Date): OutboxEntry {
  return {
    id: event.id,
    subject: event.subject,
    data: event.data,
    traceContext: event.traceContext,
    createdAt: event.createdAt ?? now,
  };
}

export interface OrdersRepositoryOptions {
  /** Orders placed here and not yet seen to move, kept to spare a read when a signal arrives. Default 10,000. */
  knownOrders?: number;
}

/**
 * The orders and the events they announce. Each write stores the new state and its event in one
 * document (atomic without transactions), after the event's intent in the `outbox` collection,
 * then tells `committed` (the relay publishes right away).
 */
export class OrdersRepository {
  /** Orders this process placed, as it wrote them, while it has not seen them move (oldest first). */
  private readonly placed = new Map<string, Order>();
  private readonly knownOrders: number;

  constructor(
    private readonly collections: Pick<Collections, 'orders'>,
    /** Every write to an order document goes through it. */
    private readonly locks: DocumentLocks,
    /** Where each write records its event as pending before it changes the order. */
    private readonly pending: PendingEventsLog,
    /** Told about the events of every committed write (wakes the relay). */
    private readonly committed: Committed,
    options: OrdersRepositoryOptions = {},
  ) {
    this.knownOrders = options.knownOrders ?? 10_000;
  }

  private get orders() {
    return this.collections.orders;
  }

  /**
   * Stores a new order together with the event announcing it: one insert, atomic, after the
   * event's intent in the `outbox` collection and `alongside` (what must be stored before the
   * order, e.g. its saga deadline), which run together. `OrderExistsError` when an order has
   * that id already (the `_id` index refused it: nothing was written); an order placed under an
   * idempotency key is stored with its key and fingerprint in the same insert.
   *
   * Any other failure leaves the intent where it is: a connection lost mid-write may have
   * stored the order all the same, and then the relay's sweep publishes its event (an intent
   * whose order never came is dropped by the sweep).
   */
  async insert(order: Order, event: OrderEvent, alongside?: () => Promise<void>): Promise<void> {
    const pending = toPendingEvent(event);
    await Promise.all([this.pending.intend(order.id, [pending], order.createdAt), alongside?.()]);
    const doc: OrderDocument = {
      _id: order.id,
      userId: order.userId,
      items: order.items,
      status: order.status,
      createdAt: order.createdAt,
      updatedAt: order.updatedAt,
      events: [toOutboxEntry(pending, order.createdAt)],
    };
    if (order.idempotency !== undefined) doc.idempotency = order.idempotency;
    try {
      await this.orders.insertOne(doc);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await this.pending.forget([pending.id]);
      throw new OrderExistsError(order.id, { cause: error });
    }
    this.remember(order);
    this.committed([pending]);
  }

  async find(id: string): Promise<Order | null> {
    const doc = await this.orders.findOne({ _id: id }, { projection: withoutOutbox });
    return doc === null ? null : toOrder(doc);
  }

  /**
   * The order a signal is about, to decide its change: as this process placed it while it has
   * not seen it move (no read), else as stored. Either way the write of the change is guarded
   * on the status it starts from, so an order moved meanwhile (by another instance) is refused
   * there.
   */
  async findForChange(id: string): Promise<Order | null> {
    return this.placed.get(id) ?? this.find(id);
  }
  /** Newest first. Ask for `limit + 1` to learn whether a next page exists. */
  async list({ userId, status, limit, after }: ListOrders): Promise<Order[]> {
    const filter: Filter<OrderDocument> = {};
    if (userId !== undefined) filter.userId = userId;
    if (status !== undefined) filter.status = status;
    if (after !== undefined) {
      filter.$or = [
        { createdAt: { $lt: after.createdAt } },
        { createdAt: after.createdAt, _id: { $lt: after.id } },
      ];
    }
    const docs = await this.orders
      .find(filter, { projection: withoutOutbox })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .toArray();
    return docs.map(toOrder);
  }

  /** The user's orders still waiting for their outcome, oldest first. */
  async pendingOf(userId: string): Promise<Order[]> {
    const docs = await this.orders
      .find({ userId, status: 'PENDING' }, { projection: withoutOutbox })
      .sort({ createdAt: 1, _id: 1 })
      .toArray();
    return docs.map(toOrder);
  }

  /**
   * Applies `change` and queues its event in one `findOneAndUpdate`, guarded on the status the
   * change starts from, then tells `committed`. Null when the order was not in that status (already moved by another
   * event, or by a concurrent handler): then nothing was written. A failed write keeps the
   * event's intent (see `insert`).
   */
  async apply(orderId: string, change: Transition, now: Date): Promise<Order | null> {
    const event = toPendingEvent(change.event);
    const set: Partial<OrderDocument> = { status: change.status, updatedAt: now };
    if (change.reason !== undefined) set.reason = change.reason;
    if (change.total !== undefined) set.total = change.total;
    await this.pending.intend(orderId, [event], now);
    // A failure here leaves the intent: the update may have been applied before the connection
    // was lost, and then the relay's sweep publishes the event the order holds.
    const doc = await this.locks.run(orderLock(orderId), () =>
      this.orders.findOneAndUpdate(
        { _id: orderId, status: change.from },
        { $set: set, $push: { events: toOutboxEntry(event, now) } },
        // No projection here: FerretDB 1.x does not implement one for findAndModify.
        { returnDocument: 'after' },
      ),
    );
    // Whatever the outcome, the order is no longer as this process placed it.
    this.placed.delete(orderId);
    if (doc === null) {
      await this.pending.forget([event.id]);
      return null;
    }
    this.committed([event]);
    return toOrder(doc);
  }

  private remember(order: Order): void {
    this.placed.set(order.id, order);
    if (this.placed.size > this.knownOrders) {
      const oldest = this.placed.keys().next();
      if (!oldest.done) this.placed.delete(oldest.value);
    }
  }
}
