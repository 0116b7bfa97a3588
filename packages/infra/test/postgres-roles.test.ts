import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectionUrl,
  createTestDatabase,
  dropServiceDatabase,
  provisionServiceDatabases,
  type TestDatabase,
  testServers,
  uniqueName,
  withDatabase,
} from '../src/index.js';

/** Runs `work` on a connection to `url`, closed afterwards. */
async function as<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE a promise rejects with. */
async function sqlState(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('a PostgreSQL role per service, owning only its database', () => {
  // Two service databases as the local stack, compose and Kubernetes make them.
  let users: TestDatabase;
  let inventory: TestDatabase;

  beforeAll(async () => {
    [users, inventory] = await Promise.all([createTestDatabase('users'), createTestDatabase('inventory')]);
  });
  afterAll(async () => {
    await Promise.all([users?.drop(), inventory?.drop()]);
  });

  it('lets the role connect to its own database and own what it creates there (migrations)', async () => {
    await as(users.url, async (client) => {
      const { rows } = await client.query<{ user: string; db: string; owner: string }>(
        'select current_user as user, current_database() as db, pg_get_userbyid(datdba) as owner from pg_database where datname = current_database()',
      );
      expect(rows[0]).toEqual({ user: users.role, db: users.name, owner: users.role });
      await client.query('create schema app');
      await client.query('create table app.things (id int primary key)');
      await client.query('create table public.others (id int primary key)');
      await client.query('insert into app.things values (1)');
      expect((await client.query('select id from app.things')).rows).toEqual([{ id: 1 }]);
    });
  });

  it('refuses the role every other database: the other service, the shared ones', async () => {
    // 42501: insufficient_privilege ("permission denied for database …").
    const other = withDatabase(users.url, inventory.name);
    expect(await sqlState(as(other, (c) => c.query('select 1')))).toBe('42501');
    expect(await sqlState(as(withDatabase(inventory.url, users.name), (c) => c.query('select 1')))).toBe(
      '42501',
    );
    for (const shared of ['postgres', 'template1'])
      expect(await sqlState(as(withDatabase(users.url, shared), (c) => c.query('select 1')))).toBe('42501');
  });

  it('gives the role no superuser, CREATEDB, CREATEROLE, replication or RLS bypass', async () => {
    await as(inventory.url, async (client) => {
      const { rows } = await client.query(
        'select rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin from pg_roles where rolname = current_user',
      );
      expect(rows[0]).toEqual({
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
        rolcanlogin: true,
      });
      expect(await sqlState(client.query('create role intruder login'))).toBe('42501');
      expect(await sqlState(client.query('create database intruder'))).toBe('42501');
      expect(
        await sqlState(client.query(`alter role ${client.escapeIdentifier(users.role)} password 'x'`)),
      ).toBe('42501');
      // Not even on its own role: no way to grant itself more.
      expect(await sqlState(client.query('alter role current_user createdb'))).toBe('42501');
    });
  });

  it('connects for real with a password that needs URL encoding', async () => {
    const name = uniqueName('encoded').toLowerCase();
    const spec = { database: name, role: name, password: 'p@ss:w/rd%?#&' };
    const { databaseUrl } = testServers();
    try {
      const [url = ''] = await provisionServiceDatabases(databaseUrl, [spec]);
      expect(url).toContain(':p%40ss%3Aw%2Frd%25%3F%23%26@');
      expect(await as(url, async (c) => (await c.query('select current_user as u')).rows[0])).toEqual({
        u: name,
      });
      // The same through the builder, and the wrong password is refused (28P01).
      const admin = new URL(databaseUrl);
      const parts = {
        scheme: 'postgres',
        host: admin.hostname,
        port: Number(admin.port),
        database: name,
      } as const;
      const built = connectionUrl({ ...parts, user: name, password: spec.password });
      expect(await as(built, async (c) => (await c.query('select 1 as one')).rows[0])).toEqual({ one: 1 });
      const wrong = connectionUrl({ ...parts, user: name, password: 'p@ss:w/rd%?#' });
      expect(await sqlState(as(wrong, (c) => c.query('select 1')))).toBe('28P01');
      // Provisioning again changes nothing that works.
      const [again = ''] = await provisionServiceDatabases(databaseUrl, [spec]);
      expect(await as(again, async (c) => (await c.query('select 1 as one')).rows[0])).toEqual({ one: 1 });
    } finally {
      await dropServiceDatabase(databaseUrl, spec);
    }
  });
});
