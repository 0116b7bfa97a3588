import { httpWaitsEnv, mongoWaitsEnv } from '@demo/http';
import { z } from 'zod';

/**
 * The only reader of `process.env` in this service. The OpenTelemetry SDK reads its own `OTEL_*`
 * variables (OTEL_SERVICE_NAME is set by whoever runs the process).
 */

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const required = (name: string) => z.preprocess(blankToUndefined, z.string({ error: `${name} is required` }));

/** One URL or several, comma-separated, each with one of `schemes`. */
const urls = (name: string, schemes: readonly string[]) =>
  required(name).refine(
    (value) =>
      value.split(',').every((part) => schemes.some((scheme) => part.trim().startsWith(`${scheme}://`))),
    { error: `${name} must be ${schemes.map((s) => `a ${s}://`).join(' or ')} URL` },
  );

const schema = z.object({
  PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(65_535).default(8001)),
  NATS_URL: urls('NATS_URL', ['nats', 'tls', 'ws', 'wss']),
  /** Replicas of every stream this service provisions: 1 on one server, 3 on a 3-node cluster. */
  NATS_STREAM_REPLICAS: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(5).default(1)),
  MONGODB_URL: urls('MONGODB_URL', ['mongodb', 'mongodb+srv']),
  ...mongoWaitsEnv,
  ...httpWaitsEnv,
  MONGODB_DATABASE: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, { error: 'MONGODB_DATABASE must be 1 to 63 of A-Z a-z 0-9 _ -' })
      .default('orders'),
  ),
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  ),
  /**
   * Tests only: the subject (e.g. `orders.created`) whose committed outbox event makes the
   * process kill itself (SIGKILL) before the relay publishes it.
   */
  FAULT_CRASH_AFTER_COMMIT: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, { error: 'FAULT_CRASH_AFTER_COMMIT must be a subject' })
      .optional(),
  ),
});

export type Env = z.infer<typeof schema>;

/** Thrown at start-up with one line per missing or invalid variable. */
export class EnvError extends Error {
  override readonly name = 'EnvError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid environment:\n  ${problems.join('\n  ')}`);
  }
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  throw new EnvError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
    }),
  );
}
