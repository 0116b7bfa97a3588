import { parseArgs } from 'node:util';
import { z } from 'zod';

/** `90`, `90s`, `1500ms`, `2m`, `1h` as milliseconds (a bare number is seconds). */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) throw new Error(`not a duration: "${text}" (e.g. 60, 60s, 1500ms, 2m)`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit] ?? 1000;
  return Math.round(value * factor);
}

const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

const baseUrl = z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, ''));

export const configSchema = z.object({
  userServiceUrl: baseUrl.default('http://user-service:8000'),
  orderServiceUrl: baseUrl.default('http://order-service:8001'),
  inventoryServiceUrl: baseUrl.default('http://inventory-service:8002'),
  /** Orders a second. */
  rate: z.coerce.number().positive().max(10_000).default(5),
  durationMs: duration.pipe(z.number().int().positive()).default(60_000),
  users: z.coerce.number().int().positive().max(100_000).default(20),
  skus: z.coerce.number().int().positive().max(100_000).default(10),
  /** Stock created per sku. */
  stock: z.coerce.number().int().positive().default(100_000),
  /** Items per order, at most (each with a quantity of 1 to 3). */
  maxItems: z.coerce.number().int().positive().max(20).default(3),
  /** Requests in flight at most; a due order past this is counted as skipped, not queued. */
  concurrency: z.coerce.number().int().positive().max(10_000).default(64),
  timeoutMs: duration.pipe(z.number().int().positive()).default(10_000),
  /** Pause between creating the users and the first order (the users.created events travel). */
  settleMs: duration.pipe(z.number().int().nonnegative()).default(2_000),
  progressMs: duration.pipe(z.number().int().positive()).default(5_000),
  /** Exit non-zero when more than this share of the orders fail. */
  maxErrorRate: z.coerce.number().min(0).max(1).default(0.05),
  /**
   * NATS URL to watch the terminal order events on (exact POST→terminal times, no load on the
   * services). Without it, pending orders are polled over HTTP.
   */
  natsUrl: z.string().min(1).optional(),
  /** After the last order: how long to wait for every order to reach a terminal state. */
  sagaSettleMs: duration.pipe(z.number().int().nonnegative()).default(30_000),
  /** Orders still pending after `sagaSettleMs` that fail the run (default: any). */
  maxPending: z.coerce.number().int().nonnegative().default(0),
});

export type Config = z.infer<typeof configSchema>;

const ENV: Record<string, keyof Config> = {
  USER_SERVICE_URL: 'userServiceUrl',
  ORDER_SERVICE_URL: 'orderServiceUrl',
  INVENTORY_SERVICE_URL: 'inventoryServiceUrl',
  LOADGEN_RATE: 'rate',
  LOADGEN_DURATION: 'durationMs',
  LOADGEN_USERS: 'users',
  LOADGEN_SKUS: 'skus',
  LOADGEN_STOCK: 'stock',
  LOADGEN_MAX_ITEMS: 'maxItems',
  LOADGEN_CONCURRENCY: 'concurrency',
  LOADGEN_TIMEOUT: 'timeoutMs',
  LOADGEN_SETTLE: 'settleMs',
  LOADGEN_PROGRESS_INTERVAL: 'progressMs',
  LOADGEN_MAX_ERROR_RATE: 'maxErrorRate',
  LOADGEN_NATS_URL: 'natsUrl',
  LOADGEN_SAGA_SETTLE: 'sagaSettleMs',
  LOADGEN_MAX_PENDING: 'maxPending',
};

const ARGS: Record<string, keyof Config> = {
  'user-url': 'userServiceUrl',
  'order-url': 'orderServiceUrl',
  'inventory-url': 'inventoryServiceUrl',
  rate: 'rate',
  duration: 'durationMs',
  users: 'users',
  skus: 'skus',
  stock: 'stock',
  'max-items': 'maxItems',
  concurrency: 'concurrency',
  timeout: 'timeoutMs',
  settle: 'settleMs',
  progress: 'progressMs',
  'max-error-rate': 'maxErrorRate',
  'nats-url': 'natsUrl',
  'saga-settle': 'sagaSettleMs',
  'max-pending': 'maxPending',
};

export const USAGE = `usage: loadgen [--rate N] [--duration 60s] [--users N] [--skus N] [--stock N] [--max-items N]
               [--concurrency N] [--timeout 10s] [--settle 2s] [--progress 5s] [--max-error-rate 0.05]
               [--user-url URL] [--order-url URL] [--inventory-url URL]
               [--nats-url URL] [--saga-settle 30s] [--max-pending 0] [--help]
Creates users and stock, then places orders open-loop at --rate for --duration, and follows each
accepted order to its terminal state (CONFIRMED, REJECTED or CANCELLED): POST→terminal latency,
and the orders still PENDING --saga-settle after the last one. With --nats-url it watches the
terminal events on NATS; without, it polls GET /api/orders/{id}. The run fails (exit 1) when
more than --max-error-rate of the orders fail or more than --max-pending orders are stuck.
Each option can also come from the environment: ${Object.keys(ENV).join(', ')}.
Command-line options win over the environment.`;

/** True when the arguments ask for the usage text. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** Configuration from the environment, overridden by command-line options; throws with every problem. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const raw: Record<string, string> = {};
  for (const [name, key] of Object.entries(ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(Object.keys(ARGS).map((name) => [name, { type: 'string' as const }])),
    strict: true,
    allowPositionals: false,
  });
  for (const [name, value] of Object.entries(values)) {
    const key = ARGS[name];
    if (key && typeof value === 'string') raw[key] = value;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new Error(`invalid load generator configuration:\n${problems.join('\n')}\n\n${USAGE}`);
  }
  return parsed.data;
}
