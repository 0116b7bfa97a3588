import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { natsEnvOf } from '../src/dev.js';
import { ensureCredentials, readCredentials } from '../src/local/nats-credentials.js';
import { localToolEnv } from '../src/nats-tool-env.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-tool-env-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A stack state file as `npm run infra -- up` writes it, NATS with or without authorization. */
function stack(dir: string, authorization: boolean): void {
  const extra = authorization ? { authorization: 'deploy/nats/auth.conf' } : {};
  writeFileSync(
    join(dir, 'state.json'),
    JSON.stringify({ dir, servers: [{ name: 'nats', url: 'nats://127.0.0.1:4222', pid: 1, extra }] }),
  );
}

describe('the local NATS credentials', () => {
  it('are made once, one distinct password per identity, readable by the owner only', () => {
    const dir = join(tempDir(), 'nats');
    const made = ensureCredentials(dir);
    expect(Object.keys(made).sort()).toEqual([
      'inventory-service',
      'order-service',
      'provisioner',
      'user-service',
    ]);
    expect(new Set(Object.values(made)).size).toBe(4);
    expect(statSync(join(dir, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(ensureCredentials(dir)).toEqual(made);
    expect(readCredentials(dir)).toEqual(made);
  });

  it('give each process of npm run dev its own user, and nothing without authorization', () => {
    const credentials = { provisioner: 'p'.repeat(20), 'order-service': 'o'.repeat(20) };
    expect(natsEnvOf('order-service', credentials)).toEqual({
      NATS_USER: 'order-service',
      NATS_PASSWORD: 'o'.repeat(20),
    });
    expect(natsEnvOf('order-service', undefined)).toEqual({});
    expect(() => natsEnvOf('billing-service', credentials)).toThrow(/no user billing-service/);
  });
});

describe('where npm run nats and npm run bus connect, as whom', () => {
  it('the local server as the provisioner when it runs with authorization', () => {
    const dir = tempDir();
    stack(dir, true);
    mkdirSync(join(dir, 'nats'));
    const { provisioner } = ensureCredentials(join(dir, 'nats'));
    expect(localToolEnv({}, dir)).toEqual({
      url: 'nats://127.0.0.1:4222',
      auth: { NATS_USER: 'provisioner', NATS_PASSWORD: provisioner },
    });
  });

  it('as the caller says when NATS_USER (or a context) is set, and with no user without authorization', () => {
    const dir = tempDir();
    stack(dir, true);
    ensureCredentials(join(dir, 'nats'));
    expect(localToolEnv({ NATS_USER: 'order-service' }, dir).auth).toEqual({});
    expect(localToolEnv({ NATS_CONTEXT: 'prod' }, dir).auth).toEqual({});
    expect(localToolEnv({ NATS_URL: 'nats://elsewhere:4222' }, dir)).toEqual({
      url: 'nats://elsewhere:4222',
      auth: {},
    });
    const open = tempDir();
    stack(open, false);
    expect(localToolEnv({}, open).auth).toEqual({});
  });
});
