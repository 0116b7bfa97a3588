import { httpWaitsEnv, postgresWaitsEnv } from '@demo/http';
import { z } from 'zod';

/**
 * The only reader of `process.env` in this service. The OpenTelemetry SDK reads its own `OTEL_*`
 * variables (OTEL_SERVICE_NAME is set by whoever runs the process).
 */

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const required = (name: string) => z.preprocess(blankToUndefined, z.string({ error: `${name} is required` }));

const postgresUrl = required('DATABASE_URL').pipe(
  z.url({ protocol: /^postgres(ql)?$/, error: 'DATABASE_URL must be a postgres:// or postgresql:// URL' }),
);

const databaseSchema = z.object({
  DATABASE_URL: postgresUrl,
  ...postgresWaitsEnv(),
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  ),
});

const serviceSchema = databaseSchema.extend({
  ...httpWaitsEnv,
  PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(65_535).default(8000)),
  NATS_URL: required('NATS_URL'),
  /** Replicas of every stream this service provisions: 1 on one server, 3 on a 3-node cluster. */
  NATS_STREAM_REPLICAS: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(5).default(1)),
  /** Test-only fault injection: die (SIGKILL) right after committing an outbox row for this subject. */
  FAULT_CRASH_AFTER_COMMIT: z.preprocess(blankToUndefined, z.string().optional()),
});

export type DatabaseEnv = z.infer<typeof databaseSchema>;
export type Env = z.infer<typeof serviceSchema>;

/** Thrown at start-up with one line per missing or invalid variable. */
export class EnvError extends Error {
  override readonly name = 'EnvError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid environment:\n  ${problems.join('\n  ')}`);
  }
}

function parse<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv): z.output<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  throw new EnvError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
    }),
  );
}

/** Everything the service needs to run. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return parse(serviceSchema, source);
}

/** What `npm run migrate` needs: the database alone. */
export function loadDatabaseEnv(source: NodeJS.ProcessEnv = process.env): DatabaseEnv {
  return parse(databaseSchema, source);
}
