import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { read, root } from './helpers.js';

interface Call {
  db: string;
  op: 'createUser' | 'updateUser';
  args: unknown[];
}

/**
 * Runs deploy/mongodb/service-users.js the way mongosh does (a global `db`, `process.env`), against
 * a recorder of the user-management calls it makes; `existing` are the users already defined.
 */
function runMongoInit(env: Record<string, string | undefined>, existing: string[] = []): Call[] {
  const calls: Call[] = [];
  const database = (name: string) => ({
    getUser: (user: string) => (existing.includes(`${name}.${user}`) ? { user } : null),
    createUser: (...args: unknown[]) => calls.push({ db: name, op: 'createUser', args }),
    updateUser: (...args: unknown[]) => calls.push({ db: name, op: 'updateUser', args }),
  });
  runInNewContext(read('deploy/mongodb/service-users.js'), {
    db: { getSiblingDB: database },
    process: { env },
    Error,
  });
  return calls;
}

const passwords = {
  ORDER_SERVICE_MONGODB_PASSWORD: 'o p@ss:w/rd%?#&',
  INVENTORY_SERVICE_MONGODB_PASSWORD: 'i-secret',
};

describe('the MongoDB init script (deploy/mongodb/service-users.js)', () => {
  it('defines each service user in its own database with readWrite on that database only', () => {
    expect(runMongoInit(passwords)).toEqual([
      {
        db: 'orders',
        op: 'createUser',
        args: [
          { user: 'order_service', pwd: 'o p@ss:w/rd%?#&', roles: [{ role: 'readWrite', db: 'orders' }] },
        ],
      },
      {
        db: 'inventory',
        op: 'createUser',
        args: [
          { user: 'inventory_service', pwd: 'i-secret', roles: [{ role: 'readWrite', db: 'inventory' }] },
        ],
      },
    ]);
  });

  it('resets password and roles of a user that exists, and refuses to run without a password', () => {
    const calls = runMongoInit(passwords, ['orders.order_service']);
    expect(calls[0]).toEqual({
      db: 'orders',
      op: 'updateUser',
      args: ['order_service', { pwd: 'o p@ss:w/rd%?#&', roles: [{ role: 'readWrite', db: 'orders' }] }],
    });
    expect(() => runMongoInit({ ...passwords, INVENTORY_SERVICE_MONGODB_PASSWORD: '' })).toThrow(
      /no password for MongoDB user inventory_service/,
    );
  });
});

describe('the PostgreSQL init script (deploy/postgres/service-databases.sh)', () => {
  it('is valid sh, executable, and refuses to run without the services’ passwords', () => {
    const script = join(root, 'deploy/postgres/service-databases.sh');
    execFileSync('sh', ['-n', script]);
    const mode = Number.parseInt(
      execFileSync('git', ['ls-files', '-s', script], { cwd: root, encoding: 'utf8' }).split(' ')[0] ?? '',
      8,
    );
    expect(mode & 0o111, 'committed executable: the entrypoint runs it in a shell of its own').not.toBe(0);
    let output = '';
    try {
      execFileSync('sh', [script], {
        env: { PATH: process.env.PATH ?? '', POSTGRES_USER: 'demo' },
        stdio: 'pipe',
      });
    } catch (error) {
      output = String((error as { stderr?: Buffer }).stderr);
    }
    expect(output).toMatch(/USER_SERVICE_DB_PASSWORD/);
  });
});
