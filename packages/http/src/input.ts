import { z } from 'zod';

/**
 * The input rules every HTTP edge shares: what a value must be for the databases behind the
 * services to store it. A request that breaks one answers 400 naming the field, never a 500 from
 * the driver. Pure schemas, no I/O.
 */

/** PostgreSQL `integer` (and MongoDB's 32-bit int): the largest value a column of that type holds. */
export const INT32_MAX = 2_147_483_647;

/** The canonical spelling of an id: a lower-case RFC 9562 UUID. */
export const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether text can be stored by PostgreSQL (`text` refuses U+0000) and by MongoDB/UTF-8 (a lone
 * surrogate has no UTF-8 encoding).
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what is refused.
const NO_NUL = /^[^\u0000]*$/;
const STORABLE = 'must not contain U+0000 or unpaired surrogates (text that cannot be stored)';

// The NUL rule is a pattern, so the OpenAPI document says it too; surrogates are checked here.
const storable = <S extends z.ZodType<string, string>>(schema: S): S =>
  schema.check(
    z.regex(NO_NUL, { error: STORABLE }),
    z.refine((value: string) => !LONE_SURROGATE.test(value), { error: STORABLE }),
  );

/**
 * Text a database can store, of `min` to `max` characters (UTF-16 code units). With `trim`,
 * surrounding white space is dropped before it is stored: `max` counts what was sent, and a
 * non-empty text must hold something besides white space.
 */
export function text(options: { min?: number; max: number; trim?: boolean }) {
  let schema = z.string().max(options.max);
  if (options.trim === true) {
    schema = schema.trim();
    if ((options.min ?? 0) > 0) schema = schema.regex(/\S/, { error: 'must not be only white space' });
  }
  if (options.min !== undefined) schema = schema.min(options.min);
  return storable(schema);
}

/** Any string schema made storable: for one that already has its own rules (`fields.personName`). */
export function storableText<S extends z.ZodType<string, string>>(schema: S) {
  return storable(schema);
}

/** An id: a UUID in its canonical lower-case spelling; `A1B2…` is refused, not looked up. */
export const uuid = z.string().regex(CANONICAL_UUID, { error: 'must be a lower-case UUID' }).meta({
  format: 'uuid',
  example: '5b0c6c1e-3f4e-4d39-9a57-2f1f3f2b8c11',
});

/** An integer that fits a PostgreSQL `integer` column, from `min` (default 0). */
export function int32(options: { min?: number; max?: number } = {}) {
  return z
    .number()
    .int()
    .min(options.min ?? 0)
    .max(options.max ?? INT32_MAX);
}

/**
 * Money with two decimals that fits `numeric(precision, 2)`: non-negative, a whole number of
 * cents, below `10^(precision - 2)`.
 */
export function money(precision: number) {
  const max = Number(`${'9'.repeat(precision - 2)}.99`);
  return z
    .number()
    .nonnegative()
    .max(max, { error: `must be at most ${max.toFixed(2)}` })
    .refine((value) => Math.abs(Math.round(value * 100) - value * 100) < 1e-6, {
      error: 'must have at most two decimals',
    })
    .meta({ multipleOf: 0.01 });
}

/**
 * A pattern matching exactly the decimal literals of `min` (0 or 1) to `max`, without leading
 * zeros: `^(?:[1-9]|[1-9][0-9]|100)$` for 1..100. The OpenAPI document carries it, so a client (or
 * a fuzzer) knows exactly what is accepted.
 */
export function decimalRange(min: 0 | 1, max: number): RegExp {
  if (!Number.isInteger(max) || max < Math.max(min, 1)) throw new RangeError(`bad range ${min}..${max}`);
  const top = String(max);
  const alternatives: string[] = min === 0 ? ['0'] : [];
  // Every length shorter than max's: any digits, no leading zero.
  for (let length = 1; length < top.length; length++)
    alternatives.push(`[1-9]${length > 1 ? `[0-9]{${length - 1}}` : ''}`);
  // max's length: a prefix of max, then a smaller digit, then anything.
  for (let i = 0; i < top.length; i++) {
    const low = i === 0 ? 1 : 0;
    const digit = Number(top[i]);
    if (digit > low) {
      const rest = top.length - i - 1;
      const range = digit - 1 === low ? String(low) : `[${low}-${digit - 1}]`;
      alternatives.push(`${top.slice(0, i)}${range}${rest > 0 ? `[0-9]{${rest}}` : ''}`);
    }
  }
  alternatives.push(top);
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

/**
 * A query-string integer written as a plain decimal literal (`20`, not `0x14`, `2e1`, `20.0` or
 * ` 20`), between `min` and `max`.
 */
export function queryInt(options: { min: 0 | 1; max: number; default?: number }) {
  const literal = z
    .string()
    .regex(decimalRange(options.min, options.max), {
      error: `must be a decimal integer from ${options.min} to ${options.max}`,
    })
    .transform(Number)
    .pipe(z.number().int().min(options.min).max(options.max));
  return options.default === undefined ? literal : literal.default(options.default);
}

/** The rules as one object, like `fields` in `@demo/contracts`: `input.text({ max: 200 })`, `input.uuid`. */
export const input = Object.freeze({ text, storableText, uuid, int32, money, queryInt });
