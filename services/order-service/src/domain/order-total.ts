/**
 * Whether an order's total can be recorded: inventory records a reservation's total in a
 * `numeric(14, 2)` column, so a total above 999,999,999,999.99 can never be reserved. Pure.
 *
 * What order-service can know at placement is the prices quoted to the customer (`unitPrice` of a
 * line). Lines without a quote are priced by inventory from its catalogue, which order-service
 * does not hold; the only bound that holds for them without a quote is the highest catalogue
 * price (9,999,999,999.99, inventory's `numeric(12, 2)`), and refusing on that bound would refuse
 * every unquoted order of more than 10 units. So: the quoted lines alone must fit (unquoted lines
 * only add to them), and an unquoted order that overflows is refused by inventory at reservation
 * (the order is REJECTED with `total_too_large`).
 */

/** `reservations.total numeric(14, 2)` in inventory-service: the largest total, in cents. */
export const MAX_ORDER_TOTAL_CENTS = 99_999_999_999_999n;

export interface PricedLine {
  quantity: number;
  /** The price quoted to the customer, if any (at most two decimals). */
  unitPrice?: number | null | undefined;
}

/** Exact cents of a price with at most two decimals. */
const cents = (price: number): bigint => BigInt(Math.round(price * 100));

/** The total of the quoted lines, in cents, exactly (quantity × unitPrice summed). */
export function quotedTotalCents(lines: readonly PricedLine[]): bigint {
  let total = 0n;
  for (const { quantity, unitPrice } of lines) {
    if (unitPrice !== undefined && unitPrice !== null) total += BigInt(quantity) * cents(unitPrice);
  }
  return total;
}

export interface TotalOverflow {
  /** The quoted lines' total, as a decimal string (it may exceed what a number holds exactly). */
  quotedTotal: string;
  maxTotal: string;
  /** The indexes of the quoted lines, the ones that make the total. */
  lines: number[];
}

const decimal = (value: bigint): string => {
  const whole = value / 100n;
  const fraction = (value % 100n).toString().padStart(2, '0');
  return `${whole}.${fraction}`;
};

/** Undefined when the quoted lines fit `numeric(14, 2)`; otherwise what overflows. */
export function totalOverflow(lines: readonly PricedLine[]): TotalOverflow | undefined {
  const total = quotedTotalCents(lines);
  if (total <= MAX_ORDER_TOTAL_CENTS) return undefined;
  return {
    quotedTotal: decimal(total),
    maxTotal: decimal(MAX_ORDER_TOTAL_CENTS),
    lines: lines.flatMap((line, index) =>
      line.unitPrice !== undefined && line.unitPrice !== null ? [index] : [],
    ),
  };
}
