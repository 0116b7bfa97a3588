import { describe, expect, it } from 'vitest';
import { classifyFailure, NoStreamError, PermanentError, PublishTimeoutError } from '../src/index.js';

const withCode = (message: string, code: string, name = 'Error') =>
  Object.assign(new Error(message), { code, name });

describe('classifyFailure', () => {
  it('calls a PermanentError permanent, also as the cause of another error, and over a transient cause', () => {
    expect(classifyFailure(new PermanentError('unknown sku'))).toBe('permanent');
    expect(classifyFailure(new Error('wrapped', { cause: new PermanentError('no') }))).toBe('permanent');
    expect(
      classifyFailure(new PermanentError('gave up', { cause: withCode('connect', 'ECONNREFUSED') })),
    ).toBe('permanent');
  });

  it('calls network errors transient, however deep in the cause chain (drizzle wraps the driver error)', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']) {
      expect(classifyFailure(withCode(`connect ${code} 127.0.0.1:5432`, code))).toBe('transient');
    }
    const drizzle = new Error('Failed query: select 1\nparams: ', {
      cause: withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    });
    expect(classifyFailure(drizzle)).toBe('transient');
    const aggregate = new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'ECONNREFUSED')]);
    expect(classifyFailure(new Error('x', { cause: aggregate }))).toBe('transient');
  });

  it('calls PostgreSQL class 08, 57P0x and serialization failures transient, other SQLSTATEs not', () => {
    for (const code of ['08006', '08001', '08P01', '57P01', '57P02', '57P03', '53300', '40001', '40P01']) {
      expect(classifyFailure(withCode('db', code, 'DatabaseError'))).toBe('transient');
    }
    for (const code of ['23505', '42P01', '22P02', '57014']) {
      expect(classifyFailure(withCode('db', code, 'DatabaseError'))).toBe('failed');
    }
  });

  it('calls pool and socket timeouts transient', () => {
    expect(classifyFailure(new Error('timeout exceeded when trying to connect'))).toBe('transient');
    expect(classifyFailure(new Error('Connection terminated unexpectedly'))).toBe('transient');
  });

  it('calls MongoDB network and server-selection errors and NATS timeouts transient', () => {
    for (const name of ['MongoNetworkError', 'MongoServerSelectionError', 'MongoNetworkTimeoutError']) {
      const error = new Error('server away');
      error.name = name;
      expect(classifyFailure(error)).toBe('transient');
    }
    const timeout = new Error('timeout');
    timeout.name = 'TimeoutError';
    expect(classifyFailure(timeout)).toBe('transient');
    expect(classifyFailure(new PublishTimeoutError('a.b', 5_000))).toBe('transient');
    expect(classifyFailure(new NoStreamError('a.b'))).toBe('transient');
  });

  it('calls the codes of a MongoDB server shutting down or stepping down transient, a duplicate key not', () => {
    const mongo = (code: number) =>
      Object.assign(new Error('server said no'), { name: 'MongoServerError', code });
    for (const code of [11600, 91, 189, 10107, 11602, 13435, 13436]) {
      expect(classifyFailure(mongo(code))).toBe('transient');
    }
    expect(classifyFailure(mongo(11000))).toBe('failed');
    // A number that happens to match, on an error that is not MongoDB's, says nothing.
    expect(classifyFailure(Object.assign(new Error('x'), { code: 91 }))).toBe('failed');
    const timeout = new Error('operation timed out');
    timeout.name = 'MongoOperationTimeoutError';
    expect(classifyFailure(timeout)).toBe('transient');
    // insertMany's MongoBulkWriteError rethrows a network error by its message only.
    for (const message of [
      'connection 15 to 127.0.0.1:27017 closed',
      'connect ECONNREFUSED 127.0.0.1:27017',
    ]) {
      const bulk = Object.assign(new Error(message), { name: 'MongoBulkWriteError', writeErrors: [] });
      expect(classifyFailure(bulk)).toBe('transient');
    }
  });

  it('calls anything else an ordinary failure', () => {
    expect(classifyFailure(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(
      'failed',
    );
    expect(classifyFailure('a string')).toBe('failed');
    expect(classifyFailure(undefined)).toBe('failed');
    const cyclic: Error & { cause?: unknown } = new Error('loop');
    cyclic.cause = cyclic;
    expect(classifyFailure(cyclic)).toBe('failed');
  });
});
