import { httpWaitsEnv, mongoWaitsEnv, postgresWaitsEnv } from '@demo/http';
import { z } from 'zod';

/**
 * The only reader of `process.env` in this service. OpenTelemetry reads its own `OTEL_*`
 * variables (service name, exporter endpoint) through `@demo/telemetry/register`.
 */

const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const required = (name: string) =>
  z.preprocess(
    blank,
    z.string({ error: (issue) => (issue.input === undefined ? `${name} is required` : undefined) }),
  );
const url = (name: string, protocols: RegExp) =>
  required(name).pipe(
    z.url({ protocol: protocols, error: `${name} must be a URL (${protocols.source.replaceAll('\\', '')})` }),
  );

const schema = z.object({
  PORT: z.preprocess(blank, z.coerce.number().int().min(0).max(65_535).default(8002)),
  NATS_URL: required('NATS_URL'),
  /** Replicas of every stream this service provisions: 1 on one server, 3 on a 3-node cluster. */
  NATS_STREAM_REPLICAS: z.preprocess(blank, z.coerce.number().int().min(1).max(5).default(1)),
  LOG_LEVEL: z.preprocess(
    blank,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  DATABASE_URL: url('DATABASE_URL', /^postgres(ql)?$/),
  ...httpWaitsEnv,
  // The pool serves 8 concurrent reservations, the read model, the relay and HTTP.
  ...postgresWaitsEnv({ poolMax: 16 }),
  ...mongoWaitsEnv,
  MONGODB_URL: url('MONGODB_URL', /^mongodb(\+srv)?$/),
  MONGODB_DATABASE: z.preprocess(
    blank,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/)
      .default('inventory'),
  ),
  LOW_STOCK_THRESHOLD: z.preprocess(blank, z.coerce.number().int().nonnegative().default(5)),
  /** Test-only fault switch: a subject whose outbox commit is followed by SIGKILL, before the relay runs. */
  FAULT_CRASH_AFTER_COMMIT: z.preprocess(blank, z.string().optional()),
});

export type Env = z.infer<typeof schema>;

/** A variable that is missing or invalid; the message names each one. */
export class EnvError extends Error {
  override readonly name = 'EnvError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid environment: ${problems.join('; ')}`);
  }
}

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = schema.safeParse(source);
  if (parsed.success) return parsed.data;
  throw new EnvError(
    parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
    }),
  );
}
