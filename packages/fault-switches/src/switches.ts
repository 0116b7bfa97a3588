import { z } from 'zod';

/**
 * The fault switches, their names in `DEMO_FAULTS` and in the admin endpoint's JSON, and their
 * bounds. Each is off at 0. Pure: parsing and validation only.
 */
export const FAULT_SWITCHES = {
  /** inventory-service: added before each reservation (orders.created), in ms. */
  reservationLatencyMs: z.number().int().min(0).max(30_000),
  /** user-service: share of order-outcome events whose handler fails (then retries, then DLQ). */
  handlerErrorRate: z.number().min(0).max(1),
  /** user-service: the order-outcome handler hangs this long per message, in ms (consumer lag). */
  consumerStallMs: z.number().int().min(0).max(120_000),
  /** order-service: publishes this many undecodable `orders.created` messages, once per setting. */
  poisonMessages: z.number().int().min(0).max(1_000),
  /** inventory-service: a `pg_sleep` of this many ms in each reservation's database work. */
  slowDatabaseMs: z.number().int().min(0).max(30_000),
} as const;

export type FaultName = keyof typeof FAULT_SWITCHES;
export type FaultSettings = Record<FaultName, number>;

export const FAULT_NAMES = Object.keys(FAULT_SWITCHES) as FaultName[];

export const NO_FAULTS: FaultSettings = Object.fromEntries(FAULT_NAMES.map((n) => [n, 0])) as FaultSettings;

/** A change of some switches, as the admin endpoint takes it (unknown names are refused). */
export const faultUpdate = z.strictObject(
  Object.fromEntries(FAULT_NAMES.map((n) => [n, FAULT_SWITCHES[n].optional()])) as {
    [K in FaultName]: z.ZodOptional<(typeof FAULT_SWITCHES)[K]>;
  },
);
export type FaultUpdate = z.infer<typeof faultUpdate>;

/** `reservation-latency-ms` ↔ `reservationLatencyMs`. */
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const BY_KEBAB = new Map(FAULT_NAMES.map((n) => [kebab(n), n]));

export class FaultConfigError extends Error {
  override readonly name = 'FaultConfigError';
}

/**
 * Parses `DEMO_FAULTS` (`reservation-latency-ms=500,handler-error-rate=0.2`); an empty value is
 * no fault. A bad entry throws a FaultConfigError naming it and the switches there are.
 */
export function parseFaultsEnv(value: string | undefined): FaultUpdate {
  const update: Record<string, number> = {};
  for (const entry of (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [key = '', raw = ''] = entry.split('=', 2).map((s) => s.trim());
    const name = BY_KEBAB.get(key);
    if (!name) {
      throw new FaultConfigError(
        `DEMO_FAULTS: unknown switch '${key}' (known: ${[...BY_KEBAB.keys()].join(', ')})`,
      );
    }
    const parsed = FAULT_SWITCHES[name].safeParse(Number(raw));
    if (raw === '' || !parsed.success) {
      throw new FaultConfigError(`DEMO_FAULTS: ${key}=${raw} is not a valid value`);
    }
    update[name] = parsed.data;
  }
  return update as FaultUpdate;
}
