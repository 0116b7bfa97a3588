/** What the pg driver attaches to a server error (drizzle wraps it as the `cause`). */
interface PgServerError {
  code: string;
  constraint?: string;
}

function isPgServerError(value: unknown): value is PgServerError {
  return (
    typeof value === 'object' &&
    value !== null &&
    'code' in value &&
    typeof value.code === 'string' &&
    /^[0-9A-Z]{5}$/.test(value.code)
  );
}

/** The PostgreSQL error behind `error`, looking through wrappers' `cause`. */
export function pgErrorOf(error: unknown): PgServerError | undefined {
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth += 1) {
    if (isPgServerError(current)) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/** A unique violation (SQLSTATE 23505) of the named constraint. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const pgError = pgErrorOf(error);
  return pgError?.code === '23505' && pgError.constraint === constraint;
}
