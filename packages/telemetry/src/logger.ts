import { pino } from 'pino';
import { readEnv } from './env.js';

/** The logger every package takes: pino's shape (`info/warn/error/debug(obj, msg)`, `child()`). */
export type Logger = pino.Logger;
export type LogBindings = pino.Bindings;

/**
 * A JSON logger on stdout; level from LOG_LEVEL (default `info`). Under
 * `@demo/telemetry/register` each record is also sent over OTLP (to Loki through the collector),
 * and every line written inside a span carries `trace_id`, `span_id` and `trace_flags`: the pino
 * instrumentation adds both to every pino logger created after the SDK started.
 */
export function createLogger(bindings: LogBindings = {}): Logger {
  return pino({
    level: readEnv().LOG_LEVEL,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }).child(bindings);
}
