import { postgresWaitsEnv } from '@demo/http';
import { baseEnv, optional, parseEnv, url } from '@demo/service';
import { z } from 'zod';

/**
 * The only reader of `process.env` in this service: the shared base (LOG_LEVEL, PORT, NATS_URL,
 * stream replicas, HTTP timeout, telemetry, fault switch) and the service's own database. The
 * OpenTelemetry SDK reads its own `OTEL_*` variables.
 *
 * `DATABASE_USER` and `DATABASE_PASSWORD`, when set, are the service's own role and win over the
 * user info of `DATABASE_URL` (put into it percent-encoded, so any password works).
 */

const database = {
  DATABASE_URL: url('DATABASE_URL', ['postgres', 'postgresql']),
  DATABASE_USER: optional(z.string()),
  DATABASE_PASSWORD: optional(z.string()),
  ...postgresWaitsEnv(),
};
const { LOG_LEVEL, ...rest } = baseEnv({ port: 8000 });

const databaseSchema = z.object({ ...database, LOG_LEVEL });
const serviceSchema = databaseSchema.extend(rest);

export type DatabaseEnv = z.infer<typeof databaseSchema>;
export type Env = z.infer<typeof serviceSchema>;

export { EnvError } from '@demo/service';

/** Everything the service needs to run. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return parseEnv(serviceSchema, source);
}

/** What `npm run migrate` needs: the database alone. */
export function loadDatabaseEnv(source: NodeJS.ProcessEnv = process.env): DatabaseEnv {
  return parseEnv(databaseSchema, source);
}
