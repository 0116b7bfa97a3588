/**
 * The accounting of a fault run, in the manner of Jepsen: from what the load generator was told
 * and what the databases hold once the system settled, count every order's fate and every
 * effect that is missing or applied twice. Pure: no I/O.
 */

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';

export interface Line {
  sku: string;
  quantity: number;
}

/** An order the API answered 201 for. */
export interface AcceptedOrder {
  id: string;
  userId: string;
  items: readonly Line[];
}

/** An order as order-service stored it. */
export interface StoredOrder {
  id: string;
  userId: string;
  items: readonly Line[];
  status: OrderStatus;
  reason?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** inventory-service's record of an order (one per order, unique). */
export interface Reservation {
  orderId: string;
  status: 'RESERVED' | 'RELEASED' | 'REJECTED' | 'CANCELLED';
  items: readonly Line[];
}

export interface Stock {
  sku: string;
  initial: number;
  available: number;
  reserved: number;
}

export interface UserCounts {
  id: string;
  orderCount: number;
  rejectedOrderCount: number;
}

export interface DeadLetter {
  subject: string;
  reason: string;
  consumer: string;
}

export interface RunObservations {
  accepted: readonly AcceptedOrder[];
  orders: readonly StoredOrder[];
  reservations: readonly Reservation[];
  stock: readonly Stock[];
  users: readonly UserCounts[];
  deadLetters: readonly DeadLetter[];
  /** Highest resident memory seen per service, in bytes. */
  maxRss: Readonly<Record<string, number>>;
}

export interface Expectations {
  /**
   * Whether every order reached a terminal state before the reads. While orders still move, an
   * effect that trails its order (a user count) is behind, not lost: it is reported, not counted.
   */
  settled?: boolean;
  /** Dead-letter reasons the injected fault explains (none for every fault of the harness today). */
  explainedDeadLetters?: (letter: DeadLetter) => boolean;
  /** Resident memory above this, in bytes, is a failure. */
  maxRssBytes: number;
}

export interface Report {
  accepted: number;
  confirmed: number;
  rejected: number;
  /** Accepted orders absent from order-service, and effects of terminal orders that never happened. */
  lost: number;
  /** Effects applied more than once (stock taken twice, an order counted twice for its user). */
  duplicated: number;
  /**
   * Orders still PENDING after the settle time, and orders the saga deadline gave up on
   * (`deadline_exceeded`): neither completed its saga.
   */
  stuck: number;
  deadLetters: number;
  /** Saga duration (order created → terminal), milliseconds. */
  sagaP50Ms: number;
  sagaP99Ms: number;
  maxRss: Readonly<Record<string, number>>;
  /** One sentence per broken rule; empty when the run kept every guarantee. */
  violations: string[];
}

const TERMINAL: ReadonlySet<OrderStatus> = new Set(['CONFIRMED', 'REJECTED', 'CANCELLED']);

/** The reason order-service gives an order whose saga got no answer within its deadline. */
export const DEADLINE_REASON = 'deadline_exceeded';

/** The value at quantile `q` (0..1) of `values`, nearest rank; 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

const sameLines = (a: readonly Line[], b: readonly Line[]) => {
  const key = (lines: readonly Line[]) =>
    lines
      .map((l) => `${l.sku}:${l.quantity}`)
      .sort()
      .join(',');
  return key(a) === key(b);
};

/** Where a PENDING order's saga stands: inventory-service not yet answered, or order-service not yet applied its answer. */
function waitingOn(reservation: Reservation | undefined): string {
  return reservation
    ? ` (inventory-service ${reservation.status}: order-service has not applied it)`
    : ' (no answer from inventory-service)';
}

export function account(run: RunObservations, expect: Expectations): Report {
  const violations: string[] = [];
  let lost = 0;
  let duplicated = 0;
  let stuck = 0;
  const stored = new Map(run.orders.map((o) => [o.id, o]));
  const reservations = new Map(run.reservations.map((r) => [r.orderId, r]));

  // Each accepted order exists and reached a terminal state.
  for (const order of run.accepted) {
    const found = stored.get(order.id);
    if (!found) {
      lost += 1;
      violations.push(`order ${order.id} was accepted but order-service does not have it`);
    } else if (!TERMINAL.has(found.status)) {
      stuck += 1;
      violations.push(`order ${order.id} is still ${found.status}${waitingOn(reservations.get(order.id))}`);
    }
  }
  // Orders the client never heard back about (a crash mid-request) still count for the effects.
  const acceptedIds = new Set(run.accepted.map((a) => a.id));
  for (const order of run.orders) {
    if (order.status === 'PENDING' && !acceptedIds.has(order.id)) {
      stuck += 1;
      violations.push(
        `order ${order.id} (answer not received) is still PENDING${waitingOn(reservations.get(order.id))}`,
      );
    }
    // The deadline ends an order honestly, but no fault of the harness lasts that long: a saga
    // that stopped moving, not one that completed.
    if (TERMINAL.has(order.status) && order.reason === DEADLINE_REASON) {
      stuck += 1;
      violations.push(`order ${order.id} is ${order.status} by the saga deadline (${DEADLINE_REASON})`);
    }
  }

  // Reservations agree with orders.
  for (const order of run.orders) {
    const reservation = reservations.get(order.id);
    if (order.status === 'CONFIRMED') {
      if (reservation?.status !== 'RESERVED') {
        lost += 1;
        violations.push(
          `order ${order.id} is CONFIRMED but its reservation is ${reservation?.status ?? 'missing'}`,
        );
      } else if (!sameLines(reservation.items, order.items)) {
        violations.push(`order ${order.id}: reserved lines differ from the order's lines`);
      }
    } else if (TERMINAL.has(order.status) && reservation?.status === 'RESERVED') {
      violations.push(`order ${order.id} is ${order.status} but stock is still reserved for it`);
    }
  }
  for (const reservation of run.reservations) {
    if (!stored.has(reservation.orderId))
      violations.push(`reservation for ${reservation.orderId}, an order order-service does not have`);
  }

  // Per SKU: the stock taken is what the live reservations hold (each applied once), and the
  // confirmed orders' quantities are among them (a PENDING order's reservation is in flight).
  const held = new Map<string, number>();
  for (const reservation of run.reservations) {
    if (reservation.status !== 'RESERVED') continue;
    for (const line of reservation.items) held.set(line.sku, (held.get(line.sku) ?? 0) + line.quantity);
  }
  const confirmedQuantity = new Map<string, number>();
  for (const order of run.orders) {
    if (order.status !== 'CONFIRMED') continue;
    for (const line of order.items)
      confirmedQuantity.set(line.sku, (confirmedQuantity.get(line.sku) ?? 0) + line.quantity);
  }
  for (const item of run.stock) {
    const taken = item.initial - item.available;
    const reserved = held.get(item.sku) ?? 0;
    const confirmed = confirmedQuantity.get(item.sku) ?? 0;
    if (taken > reserved) {
      duplicated += 1;
      violations.push(`SKU ${item.sku}: ${taken} units taken, reservations hold ${reserved}`);
    } else if (taken < reserved) {
      lost += 1;
      violations.push(`SKU ${item.sku}: ${taken} units taken, reservations hold ${reserved}`);
    }
    if (taken < confirmed)
      violations.push(`SKU ${item.sku}: ${taken} units taken, confirmed orders hold ${confirmed}`);
    if (item.reserved !== taken)
      violations.push(`SKU ${item.sku}: ${item.reserved} units reserved, ${taken} taken from available`);
  }

  // Per user: the order count is the number of confirmed orders, the rejected count the rejected ones.
  const perUser = new Map<string, { confirmed: number; rejected: number }>();
  for (const order of run.orders) {
    const counts = perUser.get(order.userId) ?? { confirmed: 0, rejected: 0 };
    if (order.status === 'CONFIRMED') counts.confirmed += 1;
    if (order.status === 'REJECTED') counts.rejected += 1;
    perUser.set(order.userId, counts);
  }
  for (const user of run.users) {
    const counts = perUser.get(user.id) ?? { confirmed: 0, rejected: 0 };
    for (const [what, seen, expected] of [
      ['confirmed', user.orderCount, counts.confirmed],
      ['rejected', user.rejectedOrderCount, counts.rejected],
    ] as const) {
      if (seen > expected) {
        duplicated += 1;
        violations.push(`user ${user.id} counts ${seen} ${what} orders, order-service has ${expected}`);
      } else if (seen < expected) {
        if (expect.settled !== false) lost += 1;
        violations.push(
          `user ${user.id} counts ${seen} ${what} orders, order-service has ${expected}${expect.settled === false ? ' (not settled: behind)' : ''}`,
        );
      }
    }
  }

  // Dead letters only where the fault explains them.
  const explained = expect.explainedDeadLetters ?? (() => false);
  for (const letter of run.deadLetters) {
    if (!explained(letter))
      violations.push(`dead letter on ${letter.subject} from ${letter.consumer}: ${letter.reason}`);
  }

  for (const [service, rss] of Object.entries(run.maxRss)) {
    if (rss > expect.maxRssBytes)
      violations.push(
        `${service} used ${Math.round(rss / 2 ** 20)} MiB, above ${Math.round(expect.maxRssBytes / 2 ** 20)} MiB`,
      );
  }

  const durations = run.orders
    .filter((o) => TERMINAL.has(o.status))
    .map((o) => o.updatedAt.getTime() - o.createdAt.getTime());
  return {
    accepted: run.accepted.length,
    confirmed: run.orders.filter((o) => o.status === 'CONFIRMED').length,
    rejected: run.orders.filter((o) => o.status === 'REJECTED').length,
    lost,
    duplicated,
    stuck,
    deadLetters: run.deadLetters.length,
    sagaP50Ms: quantile(durations, 0.5),
    sagaP99Ms: quantile(durations, 0.99),
    maxRss: run.maxRss,
    violations,
  };
}
