import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageQuery, toPage } from '../src/index.js';

const now = new Date('2026-11-24T10:00:00.123Z');
const id = '5b0c6c1e-3f4e-4d39-9a57-2f1f3f2b8c11';

describe('keyset pagination', () => {
  it('round-trips the key of the last item', () => {
    const cursor = { createdAt: now, id };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['a JSON object', Buffer.from('{"a":1}').toString('base64url')],
    ['a bad id', Buffer.from(JSON.stringify([now.toISOString(), '42'])).toString('base64url')],
    ['a bad time', Buffer.from(JSON.stringify(['yesterday', id])).toString('base64url')],
    ['an empty string', ''],
    ['year 0000', Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000Z', id])).toString('base64url')],
    [
      'an expanded year',
      Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.000Z', id])).toString('base64url'),
    ],
    [
      'a negative year',
      Buffer.from(JSON.stringify(['-271821-04-20T00:00:00.000Z', id])).toString('base64url'),
    ],
    [
      'an upper-case id',
      Buffer.from(JSON.stringify([now.toISOString(), id.toUpperCase()])).toString('base64url'),
    ],
  ])('refuses %s', (_, value) => {
    expect(decodeCursor(value)).toBeUndefined();
  });

  it('pages: a next cursor only when more rows were fetched than the limit', () => {
    const rows = [1, 2, 3].map((n) => ({
      id: `00000000-0000-4000-8000-00000000000${n}`,
      createdAt: new Date(now.getTime() + n),
    }));
    const full = toPage(rows, 2);
    expect(full.items).toEqual(rows.slice(0, 2));
    expect(decodeCursor(full.next ?? '')).toEqual(rows[1]);
    expect(toPage(rows.slice(0, 2), 2)).toEqual({ items: rows.slice(0, 2) });
  });

  it('parses a list query: limit bounds and default, cursor decoded or refused', () => {
    expect(pageQuery.parse({})).toEqual({ limit: 20 });
    expect(pageQuery.parse({ limit: '5', cursor: encodeCursor({ createdAt: now, id }) })).toEqual({
      limit: 5,
      cursor: { createdAt: now, id },
    });
    expect(pageQuery.safeParse({ limit: '0' }).success).toBe(false);
    expect(pageQuery.safeParse({ limit: '101' }).success).toBe(false);
    const bad = pageQuery.safeParse({ cursor: 'nope' });
    expect(bad.error?.issues[0]?.message).toBe('not a cursor from a previous page (use nextCursor)');
  });
});
