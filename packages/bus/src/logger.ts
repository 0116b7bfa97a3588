/** The logger shape the bus needs: pino's (a pino logger fits as it is). */
export interface BusLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): BusLogger;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 20, info: 30, warn: 40, error: 50 };

function serialize(value: unknown): unknown {
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
  return value;
}

/** A JSON-lines logger on stdout, for use without @demo/telemetry. */
export function jsonLogger(bindings: Record<string, unknown> = {}, minLevel: Level = 'info'): BusLogger {
  const write = (level: Level) => (obj: object, msg?: string) => {
    if (ORDER[level] < ORDER[minLevel]) return;
    const fields = Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, serialize(v)]));
    process.stdout.write(
      `${JSON.stringify({ level, time: new Date().toISOString(), ...bindings, ...fields, msg })}\n`,
    );
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => jsonLogger({ ...bindings, ...more }, minLevel),
  };
}

/** Discards everything: for benchmarks and for callers that log elsewhere. */
export const silentLogger: BusLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
