import { z } from 'zod';

/**
 * Keyset pagination for lists ordered by (createdAt, id). The cursor is opaque to clients:
 * base64url of the last item's key, refused when it is not one this API issued.
 */
export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  if (typeof at !== 'string' || typeof id !== 'string' || !UUID.test(id)) return undefined;
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
  limit: z.coerce.number().int().min(1).max(100).default(20),
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
