import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LOCAL_SERVICE_DATABASES,
  LOCAL_SERVICE_MONGODB_USERS,
  mongoServiceEnv,
  repoRoot,
  withCredentials,
  withDatabase,
} from '../src/index.js';

/** The variables of a service's `.env.development` (what `npm run dev` starts it with). */
function devEnv(service: string): Record<string, string> {
  const text = readFileSync(join(repoRoot, 'services', service, '.env.development'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('the local stack’s service databases', () => {
  it('are what `npm run dev` connects the services to: each its own role, never the superuser', () => {
    for (const [service, spec] of Object.entries(LOCAL_SERVICE_DATABASES)) {
      const url = devEnv(service).DATABASE_URL ?? '';
      expect(url, service).toBe(
        withCredentials(withDatabase('postgres://127.0.0.1:5432/', spec.database), spec.role, spec.password),
      );
      expect(new URL(url).username, service).not.toBe('postgres');
    }
    expect(devEnv('order-service').DATABASE_URL).toBeUndefined();
  });
});

describe('the local stack’s MongoDB users', () => {
  it('are what `npm run dev` connects the services as: each its own user, PLAIN, never the admin', () => {
    for (const service of Object.keys(
      LOCAL_SERVICE_MONGODB_USERS,
    ) as (keyof typeof LOCAL_SERVICE_MONGODB_USERS)[]) {
      const env = devEnv(service);
      const expected = mongoServiceEnv(
        'mongodb://postgres:postgres@127.0.0.1:27017/?authMechanism=PLAIN',
        'local',
        service,
      );
      expect(
        {
          MONGODB_URL: env.MONGODB_URL,
          MONGODB_USER: env.MONGODB_USER,
          MONGODB_PASSWORD: env.MONGODB_PASSWORD,
        },
        service,
      ).toEqual(expected);
      expect(env.MONGODB_DATABASE, service).toBe(LOCAL_SERVICE_MONGODB_USERS[service].database);
    }
    expect(devEnv('user-service').MONGODB_URL).toBeUndefined();
  });
});
