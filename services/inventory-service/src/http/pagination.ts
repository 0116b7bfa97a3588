import { fields } from '@demo/contracts';
import { input } from '@demo/http';
import { z } from 'zod';
import { decodeCursor } from '../domain/cursor.js';

/** An opaque `cursor` from a previous page's `nextCursor`, decoded to its key, then parsed by `key`. */
export function cursorParam<T extends z.ZodType<unknown, string>>(key: T) {
  return z
    .string()
    .transform((cursor, ctx) => {
      const decoded = decodeCursor(cursor);
      if (decoded === undefined) {
        ctx.addIssue({ code: 'custom', message: 'not a cursor from a previous page' });
        return z.NEVER;
      }
      return decoded;
    })
    .pipe(key)
    .optional();
}

/** `limit` (1..100, default 20) and `cursor` (a SKU inside, checked as a SKU: no key the database cannot hold). */
export const pageQuery = {
  limit: input.queryInt({ min: 1, max: 100, default: 20 }),
  cursor: cursorParam(fields.sku),
};

/** A boolean query flag: `true` or `false`, nothing else. */
export const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true');
