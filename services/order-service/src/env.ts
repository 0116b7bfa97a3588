import { mongoWaitsEnv } from '@demo/http';
import { baseEnv, optional, parseEnv, urls, withDefault } from '@demo/service';
import { z } from 'zod';

/**
 * The only reader of `process.env` in this service: the shared base (LOG_LEVEL, PORT, NATS_URL,
 * stream replicas, HTTP timeout, telemetry, fault switch) and the service's own MongoDB. The
 * OpenTelemetry SDK reads its own `OTEL_*` variables.
 *
 * `MONGODB_USER` and `MONGODB_PASSWORD`, when set, are the service's own MongoDB user (its
 * `authSource` in the URL) and win over the URL's user info; they reach the driver as options, so
 * any password works.
 */

const schema = z.object({
  ...baseEnv({ port: 8001 }),
  MONGODB_URL: urls('MONGODB_URL', ['mongodb', 'mongodb+srv']),
  MONGODB_USER: optional(z.string()),
  MONGODB_PASSWORD: optional(z.string()),
  ...mongoWaitsEnv,
  MONGODB_DATABASE: withDefault(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, { error: 'MONGODB_DATABASE must be 1 to 63 of A-Z a-z 0-9 _ -' }),
    'orders',
  ),
  /** How long a PENDING order waits for the saga before it is rejected (`deadline_exceeded`). */
  ORDER_SAGA_DEADLINE_MS: withDefault(z.coerce.number().int().min(1_000), 300_000),
  /** How often orders past their deadline are looked for. */
  ORDER_SAGA_SWEEP_MS: withDefault(z.coerce.number().int().min(100), 5_000),
});

export type Env = z.infer<typeof schema>;

export { EnvError } from '@demo/service';

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return parseEnv(schema, source);
}
