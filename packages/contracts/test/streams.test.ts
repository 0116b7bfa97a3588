import { describe, expect, it } from 'vitest';
import { catalog, DLQ, INVENTORY, ORDERS, streams, streamsFor, subjectMatches, USERS } from '../src/index.js';

describe('streams', () => {
  it('cover every event subject with exactly one stream, of its domain', () => {
    for (const event of catalog) {
      const covering = streamsFor(event.subject, streams).map((stream) => stream.name);
      expect(covering, event.subject).toHaveLength(1);
      expect(covering[0]?.toLowerCase(), event.subject).toBe(event.subject.split('.')[0]);
    }
  });

  it('put dead letters in DLQ only', () => {
    for (const event of catalog) {
      expect(streamsFor(`dlq.${event.subject}`, streams)).toEqual([DLQ]);
    }
  });

  it('do not overlap', () => {
    for (const a of streams) {
      for (const b of streams) {
        if (a === b) continue;
        for (const filter of a.subjects) {
          const probe = filter.replace(/>$/, 'x.y').replace(/\*/g, 'x');
          expect(streamsFor(probe, [b]), `${a.name} / ${b.name}`).toEqual([]);
        }
      }
    }
  });

  it('are file-backed, with a duplicate window, and keep dead letters longer than events', () => {
    expect(streams.map((stream) => stream.name)).toEqual(['USERS', 'ORDERS', 'INVENTORY', 'DLQ']);
    for (const stream of streams) {
      expect(stream.storage).toBe('file');
      expect(stream.duplicateWindowMs).toBeGreaterThan(0);
      expect(stream.description).not.toBe('');
    }
    for (const stream of [USERS, ORDERS, INVENTORY]) expect(DLQ.maxAgeMs).toBeGreaterThan(stream.maxAgeMs);
  });
});

describe('subjectMatches', () => {
  it.each([
    ['users.>', 'users.created', true],
    ['users.>', 'users.a.b', true],
    ['users.>', 'users', false],
    ['users.*', 'users.created', true],
    ['users.*', 'users.a.b', false],
    ['*.created', 'orders.created', true],
    ['orders.created', 'orders.created', true],
    ['orders.created', 'orders.created.x', false],
    ['orders.>', 'inventory.reserved', false],
    ['dlq.>', 'dlq.orders.created', true],
  ] as const)('%s ~ %s = %s', (filter, subject, expected) => {
    expect(subjectMatches(filter, subject)).toBe(expected);
  });
});
