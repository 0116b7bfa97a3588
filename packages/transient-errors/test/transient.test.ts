import { describe, expect, it } from 'vitest';
import { errorChain, isTransientError } from '../src/index.js';

const named = (name: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name }, extra);

describe('isTransientError', () => {
  it('a MongoBulkWriteError that carries only the message of a pool cleared by another failure', () => {
    // What insertMany/bulkWrite throw while FerretDB or mongod restarts (seen at 60 writers).
    const message =
      'Connection pool for 127.0.0.1:32957 was cleared because another operation failed with: "connection 7 to 127.0.0.1:32957 closed"';
    expect(isTransientError(named('MongoBulkWriteError', message, { writeErrors: [] }))).toBe(true);
    expect(isTransientError(named('MongoBulkWriteError', 'connection 7 to 127.0.0.1:32957 closed'))).toBe(
      true,
    );
    expect(
      isTransientError(
        named('MongoBulkWriteError', 'connect ECONNREFUSED 127.0.0.1:40707', { writeErrors: [] }),
      ),
    ).toBe(true);
  });

  it('not a duplicate key, a validation error or a programming error', () => {
    expect(
      isTransientError(named('MongoBulkWriteError', 'E11000 duplicate key error', { code: 11000 })),
    ).toBe(false);
    expect(isTransientError(named('MongoServerError', 'Document failed validation', { code: 121 }))).toBe(
      false,
    );
    expect(isTransientError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });

  it('never because of user data quoted in a wrapper message', () => {
    // drizzle: "Failed query: …\nparams: …" with the driver's error as cause.
    const quoted = new Error(
      'Failed query: insert into users (name) values ($1)\nparams: socket hang up; connect ECONNREFUSED x; Connection terminated',
      {
        cause: Object.assign(new Error('value too long for type character varying(200)'), { code: '22001' }),
      },
    );
    expect(isTransientError(quoted)).toBe(false);
  });

  it('through the cause chain and AggregateError, bounded on cycles', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(isTransientError(new Error('Failed query: select 1\nparams: ', { cause: refused }))).toBe(true);
    expect(isTransientError(new AggregateError([new Error('a'), refused]))).toBe(true);
    const a: Error & { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isTransientError(a)).toBe(false);
    expect(errorChain(a)).toHaveLength(2);
  });

  it('PostgreSQL connection, shutdown and serialization states; not a statement timeout', () => {
    for (const code of ['08006', '57P01', '57P03', '53300', '40001', '40P01'])
      expect(isTransientError(Object.assign(new Error('db'), { code }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('canceling statement'), { code: '57014' }))).toBe(false);
  });

  it('reads properties that throw as absent', () => {
    const hostile = new Proxy(new Error('x'), {
      get(target, key) {
        if (key === 'code') throw new Error('no');
        return Reflect.get(target, key);
      },
    });
    expect(isTransientError(hostile)).toBe(false);
  });
});
