import { describe, expect, it } from 'vitest';
import { EnvError, loadDatabaseEnv, loadEnv } from '../src/env.js';

const valid = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/users', NATS_URL: 'nats://127.0.0.1:4222' };

function problemsOf(source: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error('expected an EnvError');
}

describe('env', () => {
  it('applies the defaults', () => {
    expect(loadEnv(valid)).toEqual({
      ...valid,
      PORT: 8000,
      LOG_LEVEL: 'info',
      NATS_STREAM_REPLICAS: 1,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      PG_POOL_MAX: 10,
      PG_CONNECT_TIMEOUT_MS: 5_000,
      PG_STATEMENT_TIMEOUT_MS: 10_000,
      PG_IDLE_TIMEOUT_MS: 30_000,
    });
  });

  it('names every missing variable (blank counts as missing)', () => {
    expect(problemsOf({ NATS_URL: '  ' })).toEqual(['DATABASE_URL is required', 'NATS_URL is required']);
  });

  it('names invalid values', () => {
    const problems = problemsOf({
      ...valid,
      DATABASE_URL: 'mysql://h/db',
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toBe('DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(problems[1]).toMatch(/^LOG_LEVEL: /);
    expect(problems[2]).toMatch(/^PORT: /);
  });

  it('reads the fault switch when set', () => {
    expect(loadEnv({ ...valid, FAULT_CRASH_AFTER_COMMIT: 'users.created' }).FAULT_CRASH_AFTER_COMMIT).toBe(
      'users.created',
    );
  });

  it('needs only the database to migrate', () => {
    expect(loadDatabaseEnv({ DATABASE_URL: valid.DATABASE_URL }).DATABASE_URL).toBe(valid.DATABASE_URL);
  });
});
