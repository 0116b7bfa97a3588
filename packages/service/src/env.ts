import { httpWaitsEnv } from '@demo/http';
import { z } from 'zod';

/**
 * The environment every service shares, and the field builders each service's `env.ts` uses for
 * its own variables. A service's `env.ts` stays the only reader of `process.env`.
 */

const blank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** A variable that must be set; blank counts as missing. */
export function required(name: string) {
  return z.preprocess(
    blank,
    z.string({ error: (issue) => (issue.input === undefined ? `${name} is required` : undefined) }),
  );
}

/** An optional variable; blank counts as unset. */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess(blank, schema.optional());
}

/** A value with a default when unset or blank. */
export function withDefault<T extends z.ZodType>(schema: T, fallback: z.input<T>) {
  return z.preprocess(blank, schema.default(fallback as never));
}

/** One URL whose scheme is one of `schemes` (`postgres`, `postgresql`). */
export function url(name: string, schemes: readonly string[]) {
  const protocol = new RegExp(`^(${schemes.map((s) => s.replaceAll('+', '\\+')).join('|')})$`);
  return required(name).pipe(
    z.url({ protocol, error: `${name} must be a ${schemes.map((s) => `${s}://`).join(' or ')} URL` }),
  );
}

/** One URL or several, comma-separated, each with one of `schemes`; kept as written. */
export function urls(name: string, schemes: readonly string[]) {
  return required(name).refine(
    (value) => splitList(value).every((part) => schemes.some((scheme) => part.startsWith(`${scheme}://`))),
    {
      error: `${name} must be a ${schemes.map((s) => `${s}://`).join(' or ')} URL (or several, comma-separated)`,
    },
  );
}

/** `"a, b,,c"` → `["a", "b", "c"]`. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** The NATS servers of a `NATS_URL` (one URL or several, comma-separated). */
export function natsServers(natsUrl: string): string[] {
  return splitList(natsUrl);
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SUBJECT = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/**
 * The variables every service reads, in this order: `LOG_LEVEL` (given to the logger), `PORT`
 * (HTTP), `NATS_URL` (one server or several, comma-separated), `NATS_USER` and `NATS_PASSWORD`, `NATS_STREAM_REPLICAS`,
 * `HTTP_REQUEST_TIMEOUT_MS`, the OTLP endpoint and service name
 * the telemetry SDK reads (checked here so that a typo fails the start), and the test-only fault
 * switch. Spread into the service's own `z.object({...})`.
 */
export function baseEnv(options: { port: number }) {
  return {
    LOG_LEVEL: withDefault(z.enum(LOG_LEVELS), 'info'),
    PORT: withDefault(z.coerce.number().int().min(0).max(65_535), options.port),
    NATS_URL: urls('NATS_URL', ['nats', 'tls', 'ws', 'wss']),
    /** This service's NATS user (deploy/nats/auth.conf); none when the server has no authorization. */
    NATS_USER: optional(z.string()),
    NATS_PASSWORD: optional(z.string()),
    /** Replicas of every stream the service provisions: 1 on one server, 3 on a 3-node cluster. */
    NATS_STREAM_REPLICAS: withDefault(z.coerce.number().int().min(1).max(5), 1),
    ...httpWaitsEnv,
    OTEL_SERVICE_NAME: optional(z.string()),
    OTEL_EXPORTER_OTLP_ENDPOINT: optional(
      z.url({
        protocol: /^https?$/,
        error: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL',
      }),
    ),
    /**
     * Tests only: the subject (e.g. `orders.created`) whose committed outbox event makes the
     * process kill itself (SIGKILL) before the relay publishes it (see `faults.ts`).
     */
    FAULT_CRASH_AFTER_COMMIT: optional(
      z.string().regex(SUBJECT, { error: 'FAULT_CRASH_AFTER_COMMIT must be a subject' }),
    ),
  };
}

/** What every service's environment holds, whatever it adds. */
export interface BaseEnv {
  LOG_LEVEL: LogLevel;
  PORT: number;
  NATS_URL: string;
  NATS_USER?: string | undefined;
  NATS_PASSWORD?: string | undefined;
  NATS_STREAM_REPLICAS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
  OTEL_SERVICE_NAME?: string | undefined;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  FAULT_CRASH_AFTER_COMMIT?: string | undefined;
}

/** Thrown at start-up with one line per missing or invalid variable, each naming it. */
export class EnvError extends Error {
  override readonly name = 'EnvError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid environment:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * A password without its user: `X_PASSWORD` set and `X_USER` not, for every such pair the
 * schema declares. The user would be ignored silently otherwise (the URL's identity used
 * instead), so it is an error that names both.
 */
function passwordsWithoutUser(schema: z.ZodType, source: NodeJS.ProcessEnv): string[] {
  if (!(schema instanceof z.ZodObject)) return [];
  const keys = new Set(Object.keys(schema.shape as Record<string, unknown>));
  const problems: string[] = [];
  for (const key of keys) {
    const prefix = /^(.+)_PASSWORD$/.exec(key)?.[1];
    if (prefix === undefined || !keys.has(`${prefix}_USER`)) continue;
    if ((source[key] ?? '') !== '' && (source[`${prefix}_USER`] ?? '') === '')
      problems.push(
        `${key} is set but ${prefix}_USER is not: set both (the service's own identity) or neither`,
      );
  }
  return problems;
}

/** Parses `source` with `schema`; an `EnvError` names every problem. */
export function parseEnv<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv): z.output<S> {
  const result = schema.safeParse(source);
  const unpaired = passwordsWithoutUser(schema, source);
  if (result.success && unpaired.length === 0) return result.data;
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => {
        const name = issue.path.join('.');
        return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
      });
  throw new EnvError([...problems, ...unpaired]);
}

/**
 * The environment of the stream provisioning step (`provision.ts`): the NATS server, the
 * provisioning identity (`provisioner` where authorization is on) and the streams' replicas.
 */
export const provisionEnv = {
  LOG_LEVEL: withDefault(z.enum(LOG_LEVELS), 'info'),
  NATS_URL: urls('NATS_URL', ['nats', 'tls', 'ws', 'wss']),
  NATS_USER: optional(z.string()),
  NATS_PASSWORD: optional(z.string()),
  NATS_STREAM_REPLICAS: withDefault(z.coerce.number().int().min(1).max(5), 1),
};
