/**
 * The offered load: orders a second. 20/s: every order of the short form settles on a 2-core
 * machine (FerretDB on its own PostgreSQL, three commands an order); see docs/reliability.md.
 */
export const DEFAULT_RATE = 20;

/** `--rate=N` or `FAULTS_RATE`: a positive number of orders a second, `fallback` when absent. */
export function parseRate(text: string | undefined, fallback = DEFAULT_RATE): number {
  if (text === undefined || text.trim() === '') return fallback;
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate <= 0)
    throw new RangeError(
      `the rate must be a positive number of orders a second, not ${JSON.stringify(text)}`,
    );
  return rate;
}
