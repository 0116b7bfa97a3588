import { mongoWaitsEnv, postgresWaitsEnv } from '@demo/http';
import { baseEnv, optional, parseEnv, url, withDefault } from '@demo/service';
import { z } from 'zod';

/**
 * The only reader of `process.env` in this service: the shared base (LOG_LEVEL, PORT, NATS_URL,
 * stream replicas, HTTP timeout, telemetry, fault switch) and the service's own databases.
 * OpenTelemetry reads its own `OTEL_*` variables through `@demo/telemetry/register`.
 *
 * `DATABASE_USER`/`DATABASE_PASSWORD` and `MONGODB_USER`/`MONGODB_PASSWORD`, when set, are the
 * service's own identities and win over the user info of the URLs (the PostgreSQL ones put into
 * the URL percent-encoded, the MongoDB ones given to the driver as options), so any password works.
 */

const schema = z.object({
  ...baseEnv({ port: 8002 }),
  DATABASE_URL: url('DATABASE_URL', ['postgres', 'postgresql']),
  DATABASE_USER: optional(z.string()),
  DATABASE_PASSWORD: optional(z.string()),
  // The pool serves 8 concurrent reservations, the read model, the relay and HTTP.
  ...postgresWaitsEnv({ poolMax: 16 }),
  ...mongoWaitsEnv,
  MONGODB_URL: url('MONGODB_URL', ['mongodb', 'mongodb+srv']),
  MONGODB_USER: optional(z.string()),
  MONGODB_PASSWORD: optional(z.string()),
  MONGODB_DATABASE: withDefault(z.string().regex(/^[A-Za-z0-9_-]{1,63}$/), 'inventory'),
  LOW_STOCK_THRESHOLD: withDefault(z.coerce.number().int().nonnegative(), 5),
});

export type Env = z.infer<typeof schema>;

export { EnvError } from '@demo/service';

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return parseEnv(schema, source);
}
