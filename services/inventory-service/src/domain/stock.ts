import type { OrderLine, StockRejectionReason } from '@demo/contracts';
import { fromCents, toCents } from './money.js';

/**
 * The stock of one SKU as a reservation sees it (the locked row). `version` counts its changes:
 * 1 when the SKU was stocked, one more with every change since.
 */
export interface Stock {
  sku: string;
  available: number;
  reserved: number;
  unitPrice: number;
  version: number;
}

/** One reserved line: the SKU, how many, at which price. */
export interface ReservedLine {
  sku: string;
  quantity: number;
  unitPrice: number;
}

/** A line that could not be reserved and what was available then (0 for an unknown SKU). */
export interface RejectedLine {
  sku: string;
  quantity: number;
  available: number;
}

/**
 * The stock of a SKU after a change, and the change of its available units. `version` is the
 * SKU's version after the change: one more than the stock it was planned from, so the changes of
 * a SKU are ordered by it whatever order they are heard or published in.
 */
export interface StockChange {
  sku: string;
  available: number;
  reserved: number;
  change: number;
  version: number;
}

export type ReservationPlan =
  | { outcome: 'reserved'; lines: ReservedLine[]; total: number; changes: StockChange[] }
  | { outcome: 'rejected'; reason: StockRejectionReason; lines: RejectedLine[] };

/**
 * Lines of the same SKU merged into one (first-seen order), so an order that names a SKU twice
 * reserves the sum once.
 */
export function mergeLines(lines: readonly OrderLine[]): OrderLine[] {
  const merged = new Map<string, number>();
  for (const { sku, quantity } of lines) merged.set(sku, (merged.get(sku) ?? 0) + quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}

/** The distinct SKUs of an order, sorted: the order in which their rows are locked. */
export function lockOrder(lines: readonly OrderLine[]): string[] {
  return [...new Set(lines.map((l) => l.sku))].sort();
}

/** A line as an order asks for it; `unitPrice` is the price quoted to the customer, if any (`orders.created` v2). */
export type AskedLine = OrderLine & { unitPrice?: number | null };

/** `reservations.total numeric(14, 2)`: the largest total a reservation records, in cents. */
export const MAX_TOTAL_CENTS = 99_999_999_999_999;

/**
 * All or nothing: every line reserved, or the order refused. An unknown SKU refuses it as
 * `unknown_sku` (listing the unknown lines); otherwise any line short of stock refuses it as
 * `insufficient_stock` (listing the short lines); a total the reservation cannot record refuses it
 * as `total_too_large` (listing every line). A price quoted to the customer is honoured (the
 * first one quoted for a SKU); a line without one is priced from the catalogue. Stock is
 * described, never changed, here.
 */
export function planReservation(lines: readonly AskedLine[], stock: readonly Stock[]): ReservationPlan {
  const bySku = new Map(stock.map((s) => [s.sku, s]));
  const wanted = mergeLines(lines);
  const quoted = new Map<string, number>();
  for (const { sku, unitPrice } of lines) {
    if (unitPrice !== undefined && unitPrice !== null && !quoted.has(sku)) quoted.set(sku, unitPrice);
  }

  const unknown = wanted.filter((line) => !bySku.has(line.sku));
  if (unknown.length > 0) {
    return {
      outcome: 'rejected',
      reason: 'unknown_sku',
      lines: unknown.map((line) => ({ ...line, available: 0 })),
    };
  }

  const short = wanted.flatMap((line) => {
    const { available } = bySku.get(line.sku) as Stock;
    return line.quantity > available ? [{ ...line, available }] : [];
  });
  if (short.length > 0) return { outcome: 'rejected', reason: 'insufficient_stock', lines: short };

  let totalCents = 0;
  const reserved: ReservedLine[] = [];
  const changes: StockChange[] = [];
  for (const line of wanted) {
    const item = bySku.get(line.sku) as Stock;
    const unitPrice = quoted.get(line.sku) ?? item.unitPrice;
    totalCents += line.quantity * toCents(unitPrice);
    reserved.push({ sku: line.sku, quantity: line.quantity, unitPrice });
    changes.push({
      sku: line.sku,
      available: item.available - line.quantity,
      reserved: item.reserved + line.quantity,
      change: -line.quantity,
      version: item.version + 1,
    });
  }
  if (totalCents > MAX_TOTAL_CENTS) {
    return {
      outcome: 'rejected',
      reason: 'total_too_large',
      lines: wanted.map((line) => ({ ...line, available: (bySku.get(line.sku) as Stock).available })),
    };
  }
  return { outcome: 'reserved', lines: reserved, total: fromCents(totalCents), changes };
}

/** Thrown when stock does not hold what a reservation says it holds: a broken invariant, never retried away. */
export class StockInvariantError extends Error {
  override readonly name = 'StockInvariantError';
  constructor(
    readonly sku: string,
    detail: string,
  ) {
    super(`stock of ${sku} is inconsistent: ${detail}`);
  }
}

/**
 * The stock after returning a reservation's lines: available up, reserved down, by each quantity,
 * and each SKU's version one up.
 */
export function planRelease(lines: readonly OrderLine[], stock: readonly Stock[]): StockChange[] {
  const bySku = new Map(stock.map((s) => [s.sku, s]));
  return mergeLines(lines).map((line) => {
    const item = bySku.get(line.sku);
    if (!item) throw new StockInvariantError(line.sku, 'a reserved SKU no longer exists');
    if (item.reserved < line.quantity) {
      throw new StockInvariantError(
        line.sku,
        `releasing ${line.quantity} but only ${item.reserved} are reserved`,
      );
    }
    return {
      sku: line.sku,
      available: item.available + line.quantity,
      reserved: item.reserved - line.quantity,
      change: line.quantity,
      version: item.version + 1,
    };
  });
}

/** Whether a stock level counts as low: at or below the threshold. */
export function isLowStock(available: number, threshold: number): boolean {
  return available <= threshold;
}
