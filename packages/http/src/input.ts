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

const storable = <S extends z.ZodType<string, string>>(schema: S) =>
  schema.refine(isStorableText, {
    error: 'must not contain U+0000 or unpaired surrogates (text that cannot be stored)',
  });

/** Text a database can store, of `min` to `max` characters (UTF-16 code units), trimmed if asked. */
export function text(options: { min?: number; max: number; trim?: boolean }) {
  let schema = z.string();
  if (options.trim === true) schema = schema.trim();
  if (options.min !== undefined) schema = schema.min(options.min);
  return storable(schema.max(options.max));
}

/** Any string refined to be storable: for a schema that already has its own length rules. */
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
    });
}

/**
 * A query-string integer written as a plain decimal literal (`20`, not `0x14`, `2e1`, `20.0` or
 * ` 20`), between `min` and `max`.
 */
export function queryInt(options: { min: number; max: number; default?: number }) {
  const digits = String(options.max).length;
  const literal = z
    .string()
    .regex(new RegExp(`^(0|[1-9][0-9]{0,${digits - 1}})$`), { error: 'must be a decimal integer' })
    .transform(Number)
    .pipe(z.number().int().min(options.min).max(options.max));
  return options.default === undefined ? literal : literal.default(options.default);
}

/** The rules as one object, like `fields` in `@demo/contracts`: `input.text({ max: 200 })`, `input.uuid`. */
export const input = Object.freeze({ text, storableText, uuid, int32, money, queryInt });
