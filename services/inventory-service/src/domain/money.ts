/**
 * Money is a number of currency units with at most two decimals on the wire (`19.99`) and an
 * integer number of cents inside computations, so sums never pick up floating-point dust.
 */

export function toCents(amount: number): number {
  return Math.round(amount * 100);
}

export function fromCents(cents: number): number {
  return cents / 100;
}

/** `numeric(…, 2)` text as PostgreSQL returns it (`'19.90'`) to a number. */
export function parseMoney(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new RangeError(`not an amount of money: ${JSON.stringify(text)}`);
  return fromCents(toCents(value));
}

/** A number to `numeric(…, 2)` text, exactly two decimals. */
export function formatMoney(amount: number): string {
  return (toCents(amount) / 100).toFixed(2);
}
