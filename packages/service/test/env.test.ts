import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseEnv, EnvError, natsServers, parseEnv, url } from '../src/index.js';

const schema = z.object({ ...baseEnv({ port: 9000 }), DATABASE_URL: url('DATABASE_URL', ['postgres']) });

function problemsOf(source: NodeJS.ProcessEnv): readonly string[] {
  try {
    parseEnv(schema, source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error('expected an EnvError');
}

describe('the environment base', () => {
  const valid = { NATS_URL: 'nats://127.0.0.1:4222', DATABASE_URL: 'postgres://u:p@h/db' };

  it('applies the defaults', () => {
    expect(parseEnv(schema, valid)).toEqual({
      ...valid,
      PORT: 9000,
      LOG_LEVEL: 'info',
      NATS_STREAM_REPLICAS: 1,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
    });
  });

  it('names every missing and invalid variable', () => {
    expect(problemsOf({ NATS_URL: ' ', DATABASE_URL: 'mysql://h/db' })).toEqual([
      'NATS_URL is required',
      'DATABASE_URL must be a postgres:// URL',
    ]);
    const problems = problemsOf({
      ...valid,
      NATS_URL: 'nats://a:4222,http://b:4222',
      LOG_LEVEL: 'loud',
      PORT: '70000',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      FAULT_CRASH_AFTER_COMMIT: 'ORDERS',
    });
    for (const name of [
      'NATS_URL',
      'LOG_LEVEL',
      'PORT',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'FAULT_CRASH_AFTER_COMMIT',
    ]) {
      expect(
        problems.filter((p) => p.startsWith(name)),
        name,
      ).toHaveLength(1);
    }
    expect(problems).toHaveLength(5);
  });

  it('refuses a password without its user, naming both, for every pair the schema declares', () => {
    const withDb = z.object({
      ...baseEnv({ port: 9000 }),
      DATABASE_URL: url('DATABASE_URL', ['postgres']),
      DATABASE_USER: z.string().optional(),
      DATABASE_PASSWORD: z.string().optional(),
    });
    const problems = (source: NodeJS.ProcessEnv) => {
      try {
        parseEnv(withDb, source);
        return [];
      } catch (error) {
        if (error instanceof EnvError) return error.problems;
        throw error;
      }
    };
    expect(problems({ ...valid, DATABASE_PASSWORD: 's3cret', NATS_PASSWORD: 'x' })).toEqual([
      "NATS_PASSWORD is set but NATS_USER is not: set both (the service's own identity) or neither",
      "DATABASE_PASSWORD is set but DATABASE_USER is not: set both (the service's own identity) or neither",
    ]);
    // Together with the schema's own problems; an empty password counts as unset.
    expect(problems({ ...valid, PORT: 'x', DATABASE_PASSWORD: 'p' })).toHaveLength(2);
    expect(problems({ ...valid, DATABASE_PASSWORD: '' })).toEqual([]);
    expect(problems({ ...valid, DATABASE_USER: 'users', DATABASE_PASSWORD: 'p' })).toEqual([]);
    // A user without a password is fine (trust or peer authentication, a password in the URL).
    expect(problems({ ...valid, DATABASE_USER: 'users' })).toEqual([]);
  });

  it('splits NATS_URL into its servers, blanks and spaces dropped', () => {
    const env = parseEnv(schema, { ...valid, NATS_URL: 'nats://a:4222, nats://b:4222,' });
    expect(natsServers(env.NATS_URL)).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(natsServers('nats://a:4222')).toEqual(['nats://a:4222']);
  });
});
