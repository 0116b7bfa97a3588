import { pino } from 'pino';
import { readEnv } from './env.js';

/** The logger every package takes: pino's shape (`info/warn/error/debug(obj, msg)`, `child()`). */
export type Logger = pino.Logger;
export type LogBindings = pino.Bindings;

/** What a logger is made with besides its bindings. */
export interface LoggerOptions {
  /** The level; a service passes its validated LOG_LEVEL. Default: LOG_LEVEL as read here, else `info`. */
  level?: string;
}

/**
 * A JSON logger on stdout; level from `options.level`, else LOG_LEVEL (default `info`). Under
 * `@demo/telemetry/register` each record is also sent over OTLP (to Loki through the collector),
 * and every line written inside a span carries `trace_id`, `span_id` and `trace_flags`: the pino
 * instrumentation adds both to every pino logger created after the SDK started.
 */
export function createLogger(bindings: LogBindings = {}, options: LoggerOptions = {}): Logger {
  return pino({
    level: options.level ?? readEnv().LOG_LEVEL,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }).child(bindings);
}
