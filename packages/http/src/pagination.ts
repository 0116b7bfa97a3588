import { z } from 'zod';
import { CANONICAL_UUID, queryInt } from './input.js';

/**
 * Keyset pagination for lists ordered by (createdAt, id). The cursor is opaque to clients:
 * base64url of the last item's key, refused when it is not one this API issued.
 */
export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

/** Keys this API issues are creation times: a cursor outside these years is not one of them. */
const FIRST_YEAR = 1970;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id])).toString('base64url');
}

/** The cursor's key, or `undefined` when the string is not a cursor this API issued. */
export function decodeCursor(value: string): KeysetPosition | undefined {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
  const [at, id] = decoded as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string' || !CANONICAL_UUID.test(id)) return undefined;
  // Four-digit years only (no `+275760`, `-271821`), none before 1970 (no year 0000, which
  // PostgreSQL cannot store): what `toISOString()` of a creation time gives.
  if (!ISO_INSTANT.test(at) || Number(at.slice(0, 4)) < FIRST_YEAR) return undefined;
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== at) return undefined;
  return { createdAt, id };
}

/** One page: the first `limit` of `rows` (fetched as `limit + 1`), and the cursor to the next page. */
export function toPage<T extends KeysetPosition>(
  rows: readonly T[],
  limit: number,
): { items: T[]; next?: string } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return rows.length > limit && last ? { items, next: encodeCursor(last) } : { items };
}

/** The query of a list endpoint: `limit` (1..100, default 20) and a decoded `cursor`; `.extend()` it with filters. */
export const pageQuery = z.object({
  limit: queryInt({ min: 1, max: 100, default: 20 }),
  cursor: z
    .string()
    .transform((value, ctx) => {
      const cursor = decodeCursor(value);
      if (cursor === undefined) {
        ctx.addIssue({ code: 'custom', message: 'not a cursor from a previous page (use nextCursor)' });
        return z.NEVER;
      }
      return cursor;
    })
    .optional(),
});
