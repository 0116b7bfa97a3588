/** The logger shape the HTTP layer needs: pino's (a pino logger fits as it is). */
export interface HttpLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): HttpLogger;
}
