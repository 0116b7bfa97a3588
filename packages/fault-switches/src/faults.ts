import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import { z } from 'zod';
import {
  type FaultName,
  type FaultSettings,
  type FaultUpdate,
  NO_FAULTS,
  parseFaultsEnv,
} from './switches.js';

/** The error a handler throws when `handlerErrorRate` picks its message. */
export class FaultInjectedError extends Error {
  override readonly name = 'FaultInjectedError';
  constructor(readonly fault: FaultName) {
    super(`fault injected on purpose (${fault}); turn it off with PUT /admin/faults`);
  }
}

const envSchema = z.object({
  DEMO_FAULTS: z.string().optional(),
  DEMO_FAULTS_ADMIN: z
    .string()
    .optional()
    .transform((v) => v?.trim().toLowerCase() === 'true'),
});

export interface FaultsLogger {
  warn(bindings: object, message: string): void;
  error(bindings: object, message: string): void;
}

/** Marks the active span: the trace shows where the fault acted. */
function mark(fault: FaultName, value: number): void {
  const span = trace.getActiveSpan();
  // A request answered by its timeout has ended its span (an ended span takes nothing more).
  if (!span?.isRecording()) return;
  span.setAttribute('app.fault', fault);
  span.addEvent('fault injected', { 'app.fault': fault, 'app.fault.value': value });
}

/**
 * The fault switches of one service process: set from `DEMO_FAULTS` at start, changed at run
 * time through `PUT /admin/faults` when `DEMO_FAULTS_ADMIN=true` (refused otherwise). Every
 * injected fault marks the active span (`app.fault`, event "fault injected") and is logged.
 */
export class Faults {
  private current: FaultSettings;
  private poisonPublisher: ((count: number) => Promise<void>) | undefined;

  constructor(
    initial: FaultUpdate = {},
    readonly adminEnabled = false,
    private readonly logger?: FaultsLogger,
  ) {
    this.current = { ...NO_FAULTS, ...initial };
  }

  /** From `DEMO_FAULTS` and `DEMO_FAULTS_ADMIN`; a bad `DEMO_FAULTS` throws, naming the entry. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, logger?: FaultsLogger): Faults {
    const parsed = envSchema.parse(env);
    const faults = new Faults(parseFaultsEnv(parsed.DEMO_FAULTS), parsed.DEMO_FAULTS_ADMIN, logger);
    const on = Object.entries(faults.current).filter(([, v]) => v > 0);
    if (on.length > 0) logger?.warn({ faults: Object.fromEntries(on) }, 'fault switches on (DEMO_FAULTS)');
    return faults;
  }

  settings(): FaultSettings {
    return { ...this.current };
  }

  /** Changes some switches; a `poisonMessages` above 0 publishes that many at once. */
  update(change: FaultUpdate): FaultSettings {
    this.current = { ...this.current, ...change };
    this.logger?.warn({ faults: change }, 'fault switches changed');
    if ((change.poisonMessages ?? 0) > 0) this.firePoison();
    return this.settings();
  }

  /** Waits the switch's delay (none when off). */
  async delay(fault: 'reservationLatencyMs' | 'consumerStallMs'): Promise<void> {
    const ms = this.current[fault];
    if (ms <= 0) return;
    mark(fault, ms);
    await sleep(ms);
  }

  /** Throws a FaultInjectedError for the switch's share of calls. */
  maybeFail(fault: 'handlerErrorRate', random: () => number = Math.random): void {
    const rate = this.current[fault];
    if (rate <= 0 || random() >= rate) return;
    mark(fault, rate);
    throw new FaultInjectedError(fault);
  }

  /** Runs the service's slow query (e.g. `select pg_sleep($1)`) when the switch is on. */
  async slowDatabase(query: (seconds: number) => Promise<unknown>): Promise<void> {
    const ms = this.current.slowDatabaseMs;
    if (ms <= 0) return;
    mark('slowDatabaseMs', ms);
    await query(ms / 1000);
  }

  /** How this service publishes poison messages; fires at once when DEMO_FAULTS asked for some. */
  onPoison(publish: (count: number) => Promise<void>): void {
    this.poisonPublisher = publish;
    if (this.current.poisonMessages > 0) this.firePoison();
  }

  private firePoison(): void {
    const count = this.current.poisonMessages;
    const publish = this.poisonPublisher;
    if (!publish) {
      this.logger?.warn({ count }, 'poisonMessages set, but this service publishes none');
      return;
    }
    this.logger?.warn({ count }, 'publishing poison messages (fault switch)');
    publish(count).catch((err: unknown) =>
      this.logger?.error({ err, count }, 'could not publish poison messages'),
    );
  }
}
