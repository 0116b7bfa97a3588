import { randomUUID } from 'node:crypto';
import type { BusLogger } from '@demo/bus';
import { type BusinessCounter, type BusinessHistogram, withAppContext } from '@demo/telemetry';
import type { CustomersRepository } from '../db/customers-repository.js';
import { DocumentLocks } from '../db/document-locks.js';
import { OrderExistsError, type OrdersRepository } from '../db/orders-repository.js';
import type { SagaDeadlines } from '../db/saga-deadlines.js';
import { mayOrder } from '../domain/customer.js';
import {
  type IdempotencyRecord,
  type KeyedPlacement,
  keyedOrderId,
  placementUnderKey,
} from '../domain/idempotency.js';
import {
  type Order,
  type OrderOutcome,
  type OrderSignal,
  type PlacedLine,
  placeOrder,
  releaseAfterDeadline,
  sagaDeadline,
  transition,
} from '../domain/order.js';

/** The user may not order: never announced by `users.created`, or deleted. */
export class UnknownCustomerError extends Error {
  override readonly name = 'UnknownCustomerError';
  constructor(
    readonly userId: string,
    readonly deleted: boolean,
  ) {
    super(deleted ? `user ${userId} was deleted` : `user ${userId} is not a known customer`);
  }
}

/** The idempotency key was used before, for another request: nothing was placed. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor(
    readonly key: string,
    /** The order the key placed. */
    readonly orderId: string,
  ) {
    super(`idempotency key ${JSON.stringify(key)} placed order ${orderId} for another request`);
  }
}

export interface OrderSagaDeps {
  orders: OrdersRepository;
  customers: CustomersRepository;
  /** `demo.orders`, by outcome and reason (the saga's success objective reads it). */
  outcomes: BusinessCounter<{ outcome: OrderOutcome; reason: string }>;
  /** `demo.order.saga.duration`: placed → outcome, in seconds (the saga's latency objective). */
  durations?: BusinessHistogram<{ outcome: OrderOutcome }>;
  logger: BusLogger;
  clock?: () => Date;
  /** Where each order's saga deadline is kept; without it orders wait as long as it takes. */
  deadlines?: SagaDeadlines;
  /** How long a `PENDING` order waits for the saga. Default 5 minutes. */
  deadlineMs?: number;
}

/** What `expire` did to an order whose deadline passed. */
export type ExpireOutcome = 'rejected' | 'settled' | 'gone';

/**
 * This service's part of the order saga: place an order, move it on when the saga says so.
 * The domain decides the change and its event; the repository writes both in one atomic
 * write (the order document's outbox) and nudges the relay.
 */
export class OrderSaga {
  private readonly clock: () => Date;
  /** Requests under one idempotency key, one after the other in this process. */
  private readonly keyed = new DocumentLocks();

  constructor(private readonly deps: OrderSagaDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /**
   * Stores a new `PENDING` order with its `orders.created` event, for a customer who may
   * order (else `UnknownCustomerError`).
   *
   * Under an idempotency key (`idempotency`: the key and the request's fingerprint) the key
   * names the order (`keyedOrderId`): the order the same request placed before is answered as
   * it is now, and nothing is placed; a key used for another request throws
   * `IdempotencyKeyReusedError`. Requests under one key run one after the other in this process;
   * across processes the `_id` index lets one insert win, and the others answer what it stored.
   */
  async place(
    input: { userId: string; items: readonly PlacedLine[] },
    idempotency?: IdempotencyRecord,
  ): Promise<Order> {
    const id = idempotency === undefined ? randomUUID() : keyedOrderId(input.userId, idempotency.key);
    // The order's id rides along (baggage) into its outbox row, every message of its saga and
    // every span they start, in every service: a search by app.order.id finds them all.
    return withAppContext({ 'app.order.id': id, 'app.user.id': input.userId }, () =>
      idempotency === undefined
        ? this.placeInContext(id, input)
        : this.keyed.run(id, () => this.placeUnderKey(id, input, idempotency)),
    );
  }

  private async placeUnderKey(
    id: string,
    input: { userId: string; items: readonly PlacedLine[] },
    idempotency: IdempotencyRecord,
  ): Promise<Order> {
    const answer = placementUnderKey(await this.deps.orders.find(id), idempotency);
    if (answer.action !== 'place') return this.answer(answer, idempotency);
    try {
      return await this.placeInContext(id, input, idempotency);
    } catch (error) {
      if (!(error instanceof OrderExistsError)) throw error;
      // Another process stored an order under the key since the read above.
      const after = placementUnderKey(await this.deps.orders.find(id), idempotency);
      if (after.action === 'place') throw error;
      return this.answer(after, idempotency);
    }
  }

  private answer(
    answer: Exclude<KeyedPlacement, { action: 'place' }>,
    idempotency: IdempotencyRecord,
  ): Order {
    if (answer.action === 'refuse') throw new IdempotencyKeyReusedError(idempotency.key, answer.order.id);
    this.deps.logger.info(
      { orderId: answer.order.id, status: answer.order.status },
      'order asked again under its idempotency key; answered as stored',
    );
    return answer.order;
  }

  private async placeInContext(
    id: string,
    input: { userId: string; items: readonly PlacedLine[] },
    idempotency?: IdempotencyRecord,
  ): Promise<Order> {
    // A customer read here moments ago who may order spares the read: the read after the
    // insert below has the last word. Anyone else is read now (an unknown customer gets 422).
    const recent = this.deps.customers.recent(input.userId);
    const customer =
      recent !== undefined && mayOrder(recent) ? recent : await this.deps.customers.find(input.userId);
    if (!mayOrder(customer)) throw new UnknownCustomerError(input.userId, customer?.deletedAt !== undefined);
    const { order, event } = placeOrder({ id, ...input, now: this.clock(), idempotency });
    const { deadlines } = this.deps;
    const dueAt = sagaDeadline(order.createdAt, this.deps.deadlineMs ?? 300_000);
    await this.deps.orders.insert(order, event, deadlines && (() => deadlines.set(order.id, dueAt)));
    // `users.deleted` may have been handled between the check above and the insert, its search
    // for pending orders missing this one. Both sides write before they read, so at least one
    // sees the other: here, cancel the order as the handler would have.
    if (!mayOrder(await this.deps.customers.find(input.userId))) {
      await this.advance(order.id, { type: 'user-deleted' });
      return (await this.deps.orders.find(order.id)) ?? order;
    }
    return order;
  }

  /**
   * Applies `signal` to the order: the domain decides whether it moves, the write is guarded
   * on the status it moves from. The moved order, or null when nothing changed (an unknown
   * order, an order already settled, or a concurrent writer that came first).
   */
  async advance(orderId: string, signal: OrderSignal, logger = this.deps.logger): Promise<Order | null> {
    return withAppContext({ 'app.order.id': orderId }, async () => {
      const order = await this.deps.orders.findForChange(orderId);
      if (order === null) {
        logger.warn({ orderId, signal: signal.type }, 'no such order; signal ignored');
        return null;
      }
      return this.applyTo(order, signal, logger);
    });
  }

  /** Cancels every `PENDING` order of a deleted user; answers those it cancelled. */
  async cancelPendingOf(userId: string, logger = this.deps.logger): Promise<Order[]> {
    const cancelled: Order[] = [];
    for (const order of await this.deps.orders.pendingOf(userId)) {
      const moved = await withAppContext({ 'app.order.id': order.id }, () =>
        this.applyTo(order, { type: 'user-deleted' }, logger),
      );
      if (moved !== null) cancelled.push(moved);
    }
    return cancelled;
  }

  /**
   * The saga deadline of `orderId` passed: a `PENDING` order is rejected (`deadline_exceeded`),
   * then an `orders.cancelled` follows it so inventory releases what it reserved. Safe to
   * repeat: the rejection happens once, the release is idempotent downstream.
   */
  async expire(orderId: string, logger = this.deps.logger): Promise<ExpireOutcome> {
    let order = await this.deps.orders.find(orderId);
    if (order === null) return 'gone';
    if (order.status === 'PENDING') {
      order =
        (await this.applyTo(order, { type: 'deadline-passed' }, logger)) ??
        (await this.deps.orders.find(orderId));
      if (order === null) return 'gone';
    }
    const release = releaseAfterDeadline(order);
    if (release === null) return 'settled';
    await this.deps.orders.apply(order.id, release, this.clock());
    logger.warn({ orderId }, 'order rejected: saga deadline passed; release requested');
    return 'rejected';
  }

  private async applyTo(order: Order, signal: OrderSignal, logger: BusLogger): Promise<Order | null> {
    const change = transition(order, signal);
    if (change === null) {
      logger.info(
        { orderId: order.id, status: order.status, signal: signal.type },
        'order already settled; signal ignored',
      );
      return null;
    }
    const moved = await this.deps.orders.apply(order.id, change, this.clock());
    if (moved === null) {
      logger.info({ orderId: order.id, signal: signal.type }, 'order moved meanwhile; signal ignored');
      return null;
    }
    this.deps.outcomes.add(1, { outcome: change.outcome, reason: change.reason ?? 'none' });
    this.deps.durations?.record(Math.max(0, (this.clock().getTime() - order.createdAt.getTime()) / 1000), {
      outcome: change.outcome,
    });
    // The deadline's own rejection keeps its entry until the release after it is written.
    if (signal.type !== 'deadline-passed') {
      this.deps.deadlines?.clear(order.id).catch((error: unknown) => {
        logger.warn({ err: error, orderId: order.id }, 'could not clear the saga deadline; the sweep will');
      });
    }
    logger.info({ orderId: order.id, status: moved.status }, `order ${change.outcome}`);
    return moved;
  }
}
