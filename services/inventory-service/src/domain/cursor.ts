/**
 * Opaque pagination cursors: the key of the last item of a page (here a SKU), encoded so that
 * clients pass it back as it is and never build one.
 */

const PREFIX = 'v1:';

export function encodeCursor(key: string): string {
  return Buffer.from(PREFIX + key, 'utf8').toString('base64url');
}

/** The key inside a cursor, or `undefined` when the text is not a cursor this service made. */
export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX) || text.length === PREFIX.length) return undefined;
  return text.slice(PREFIX.length);
}

/** A page of `limit` items out of `limit + 1` fetched: the extra one tells whether more follow. */
export function page<T>(
  fetched: readonly T[],
  limit: number,
  keyOf: (item: T) => string,
): { items: T[]; nextCursor: string | null } {
  const items = fetched.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: fetched.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
