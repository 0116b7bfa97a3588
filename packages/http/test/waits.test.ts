import { describe, expect, it } from 'vitest';
import { isDependencyUnavailable } from '../src/waits.js';

const named = (name: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, ...extra });

describe('isDependencyUnavailable', () => {
  it('recognises a MongoDB network error, also as insertMany rethrows it (a MongoBulkWriteError without cause)', () => {
    expect(
      isDependencyUnavailable(named('MongoNetworkError', 'connection 3 to 127.0.0.1:27017 closed')),
    ).toBe(true);
    for (const message of [
      'connection 15 to 127.0.0.1:27017 closed',
      'connect ECONNREFUSED 127.0.0.1:27017',
    ]) {
      expect(isDependencyUnavailable(named('MongoBulkWriteError', message, { writeErrors: [] }))).toBe(true);
    }
  });

  it('does not call a request that is wrong a dependency away', () => {
    expect(
      isDependencyUnavailable(named('MongoBulkWriteError', 'E11000 duplicate key error', { code: 11000 })),
    ).toBe(false);
    expect(isDependencyUnavailable(new TypeError('x is undefined'))).toBe(false);
  });

  it('answers 503 for a pool cleared under a bulk write and for statements out of time', () => {
    const cleared =
      'Connection pool for 127.0.0.1:27017 was cleared because another operation failed with: "connection 7 to 127.0.0.1:27017 closed"';
    expect(isDependencyUnavailable(named('MongoBulkWriteError', cleared, { writeErrors: [] }))).toBe(true);
    const timedOut = named('DatabaseError', 'canceling statement due to statement timeout', {
      code: '57014',
    });
    expect(isDependencyUnavailable(new Error('Failed query: select 1\nparams: ', { cause: timedOut }))).toBe(
      true,
    );
    expect(isDependencyUnavailable(new Error('Query read timeout'))).toBe(true);
  });
});
