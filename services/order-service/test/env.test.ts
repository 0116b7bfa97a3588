import { describe, expect, it } from 'vitest';
import { EnvError, loadEnv } from '../src/env.js';

const valid = { NATS_URL: 'nats://127.0.0.1:4222', MONGODB_URL: 'mongodb://127.0.0.1:27017/' };

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
      PORT: 8001,
      MONGODB_DATABASE: 'orders',
      LOG_LEVEL: 'info',
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      MONGODB_CONNECT_TIMEOUT_MS: 5_000,
      MONGODB_POOL_MAX: 20,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: 5_000,
      MONGODB_SOCKET_TIMEOUT_MS: 30_000,
      MONGODB_WAIT_QUEUE_TIMEOUT_MS: 5_000,
      NATS_STREAM_REPLICAS: 1,
      ORDER_SAGA_DEADLINE_MS: 300_000,
      ORDER_SAGA_SWEEP_MS: 5_000,
    });
  });

  it('names every missing variable (blank counts as missing)', () => {
    expect(problemsOf({ NATS_URL: '  ' })).toEqual(['NATS_URL is required', 'MONGODB_URL is required']);
  });

  it('names invalid values', () => {
    const problems = problemsOf({
      NATS_URL: 'http://127.0.0.1:4222',
      MONGODB_URL: 'postgres://h/db',
      MONGODB_DATABASE: 'orders/prod',
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      FAULT_CRASH_AFTER_COMMIT: 'ORDERS',
    });
    expect(problems).toHaveLength(6);
    for (const name of [
      'NATS_URL',
      'MONGODB_URL',
      'MONGODB_DATABASE',
      'PORT',
      'LOG_LEVEL',
      'FAULT_CRASH_AFTER_COMMIT',
    ]) {
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  it('takes several NATS servers and the fault switch', () => {
    const env = loadEnv({
      ...valid,
      NATS_URL: 'nats://a:4222,nats://b:4222',
      FAULT_CRASH_AFTER_COMMIT: 'orders.created',
    });
    expect(env.NATS_URL).toBe('nats://a:4222,nats://b:4222');
    expect(env.FAULT_CRASH_AFTER_COMMIT).toBe('orders.created');
  });
});
