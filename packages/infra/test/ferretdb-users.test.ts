import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ferretDbUserStatements,
  freePort,
  LOCAL_MONGODB_USERS_MARK,
  LOCAL_SERVICE_MONGODB_USERS,
  mongoServiceEnv,
  type ServerRecord,
  startFerretDb,
  stopFerretDb,
  stopProcess,
} from '../src/index.js';

type Service = keyof typeof LOCAL_SERVICE_MONGODB_USERS;

/** A client built the way the services build theirs: `MONGODB_URL`, and the user as driver options. */
function clientOf(env: Record<string, string>): MongoClient {
  return new MongoClient(env.MONGODB_URL ?? '', {
    serverSelectionTimeoutMS: 5_000,
    ...(env.MONGODB_USER
      ? { auth: { username: env.MONGODB_USER, password: env.MONGODB_PASSWORD ?? '' } }
      : {}),
  });
}

/** What an operation answers: `ok`, or the server's refusal. */
async function outcome(operation: () => Promise<unknown>): Promise<string> {
  try {
    await operation();
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('the local FerretDB on PostgreSQL: a MongoDB user per service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferretdb-users-'));
  // PostgreSQL runs as its own user when we are root: it must be able to reach its folder.
  chmodSync(dir, 0o755);
  let record: ServerRecord | undefined;
  const clients: MongoClient[] = [];
  const open = (env: Record<string, string>) => {
    const client = clientOf(env);
    clients.push(client);
    return client;
  };
  const asService = (service: Service) =>
    open(mongoServiceEnv(record?.url ?? '', record?.extra.serviceUsers, service));

  beforeAll(async () => {
    record = await startFerretDb({ dir, port: await freePort(), backend: 'postgresql' });
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (record) await stopFerretDb(record);
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the admin identity (PLAIN) and marks the server as holding the services’ users', () => {
    const url = new URL(record?.url ?? '');
    expect(url.username).toBe('postgres');
    expect(url.searchParams.get('authMechanism')).toBe('PLAIN');
    expect(record?.extra.serviceUsers).toBe(LOCAL_MONGODB_USERS_MARK);
    const env = mongoServiceEnv(record?.url ?? '', record?.extra.serviceUsers, 'order-service');
    expect(env.MONGODB_USER).toBe('order_service');
    expect(env.MONGODB_URL).toBe(`mongodb://127.0.0.1:${url.port}/?authMechanism=PLAIN`);
  });

  it('lets each service read and write its own database, and refuses it the other’s', async () => {
    const order = asService('order-service');
    const inventory = asService('inventory-service');
    await order
      .db('orders')
      .collection('orders')
      .insertOne({ _id: 'o-1' as never, total: 10 });
    await inventory
      .db('inventory')
      .collection('stock_levels')
      .insertOne({ _id: 'sku-1' as never, qty: 3 });
    expect(await order.db('orders').collection('orders').findOne({})).toEqual({ _id: 'o-1', total: 10 });
    expect(await inventory.db('inventory').collection('stock_levels').countDocuments()).toBe(1);

    // Not the other's documents: not read, not written, not dropped.
    const refused = /permission denied|must be owner/;
    expect(await outcome(() => inventory.db('orders').collection('orders').find().toArray())).toMatch(
      refused,
    );
    expect(
      await outcome(() => inventory.db('orders').collection('orders').insertOne({ forged: true })),
    ).toMatch(refused);
    expect(await outcome(() => inventory.db('orders').dropDatabase())).toMatch(refused);
    expect(await outcome(() => order.db('inventory').collection('stock_levels').find().toArray())).toMatch(
      refused,
    );
    expect(await outcome(() => order.db('inventory').collection('stock_levels').deleteMany({}))).toMatch(
      refused,
    );

    // The admin reads both, and nothing was changed by the refused writes.
    const admin = open({ MONGODB_URL: record?.url ?? '' });
    expect(await admin.db('orders').collection('orders').countDocuments()).toBe(1);
    expect(await admin.db('inventory').collection('stock_levels').countDocuments()).toBe(1);
  });

  it('refuses a wrong password and a client without credentials', async () => {
    const env = mongoServiceEnv(record?.url ?? '', record?.extra.serviceUsers, 'order-service');
    const wrong = open({ ...env, MONGODB_PASSWORD: 'not-the-password' });
    expect(await outcome(() => wrong.db('orders').collection('orders').find().toArray())).toMatch(
      /password authentication failed for user "order_service"/,
    );
    const anonymous = open({ MONGODB_URL: `mongodb://127.0.0.1:${new URL(record?.url ?? '').port}/` });
    expect(await outcome(() => anonymous.db('orders').command({ ping: 1 }))).toMatch(
      /password authentication failed for user "ferretdb_anonymous_client"/,
    );
  });

  it('keeps every service’s documents across restarts, whichever service’s user comes first', {
    timeout: 240_000,
  }, async () => {
    if (!record) throw new Error('no FerretDB');
    const restart = async () => {
      if (!record) throw new Error('no FerretDB');
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await stopProcess(record.pid);
      record = await startFerretDb({ dir, port: Number(new URL(record.url).port), backend: 'postgresql' });
    };
    // FerretDB loads its registry of databases once after a start, as the first client's role:
    // once with each service first, the other then writes to its database and makes a collection.
    const rounds: [Service, Service][] = [
      ['inventory-service', 'order-service'],
      ['order-service', 'inventory-service'],
    ];
    for (const [index, [first, second]] of rounds.entries()) {
      await restart();
      const own = (service: Service) => LOCAL_SERVICE_MONGODB_USERS[service].database;
      const comesFirst = asService(first);
      expect(await comesFirst.db(own(first)).listCollections().toArray()).not.toHaveLength(0);
      const then = asService(second);
      await then
        .db(own(second))
        .collection(`made_after_restart_${index}`)
        .insertOne({ _id: `r-${index}` as never });
      expect(await then.db(own(second)).collection(`made_after_restart_${index}`).countDocuments()).toBe(1);
      expect(
        await outcome(() => comesFirst.db(own(second)).collection(`made_after_restart_${index}`).findOne()),
      ).toMatch(/permission denied/);
    }
    // Nothing was lost or recreated: the admin sees both databases and every document.
    const admin = open({ MONGODB_URL: record?.url ?? '' });
    expect(await admin.db('orders').collection('orders').countDocuments()).toBe(1);
    expect(await admin.db('inventory').collection('stock_levels').countDocuments()).toBe(1);
    expect(await admin.db('orders').collection('made_after_restart_0').countDocuments()).toBe(1);
    expect(await admin.db('inventory').collection('made_after_restart_1').countDocuments()).toBe(1);
  });

  it('shows every role the collection names of every database, never the documents', async () => {
    // A database made after the start: its catalog is shared as it is made (the event trigger).
    const order = asService('order-service');
    await order.db('orders_made_later').collection('late').insertOne({ n: 1 });
    const inventory = asService('inventory-service');
    for (const database of ['orders', 'orders_made_later']) {
      const names = (await inventory.db(database).listCollections().toArray()).map((c) => c.name);
      expect(names, database).toContain(database === 'orders' ? 'orders' : 'late');
    }
    expect(
      await outcome(() => inventory.db('orders_made_later').collection('late').countDocuments()),
    ).toMatch(/permission denied for table/);
    expect(await order.db('orders_made_later').collection('late').countDocuments()).toBe(1);
    // What lets a registry loaded by inventory-service's user know that database after a restart.
    const backend = new pg.Client({ connectionString: record?.extra.backendUrl });
    await backend.connect();
    try {
      const rights = await backend.query<{ catalog: boolean; documents: boolean }>(
        `select has_table_privilege('inventory_service', 'orders_made_later._ferretdb_database_metadata', 'select') as catalog,
                bool_or(has_table_privilege('inventory_service', c.oid, 'select')) as documents
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'orders_made_later' and c.relkind = 'r' and c.relname <> '_ferretdb_database_metadata'`,
      );
      expect(rights.rows[0]).toEqual({ catalog: true, documents: false });
    } finally {
      await backend.end();
    }
  });
});

describe('the local FerretDB on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferretdb-sqlite-users-'));
  let record: ServerRecord | undefined;

  afterAll(async () => {
    if (record) await stopFerretDb(record);
    rmSync(dir, { recursive: true, force: true });
  });

  it('has no users: the services connect without credentials, or with any', { timeout: 60_000 }, async () => {
    record = await startFerretDb({ dir, port: await freePort(), backend: 'sqlite' });
    expect(record.extra.serviceUsers).toBeUndefined();
    const env = mongoServiceEnv(record.url, record.extra.serviceUsers, 'order-service');
    expect(env).toEqual({ MONGODB_URL: record.url });
    const client = clientOf(env);
    try {
      await client.db('orders').collection('orders').insertOne({ n: 1 });
      expect(await client.db('orders').collection('orders').countDocuments()).toBe(1);
    } finally {
      await client.close();
    }
    // `.env.development`'s settings (PLAIN, the service's user) work there too: SQLite ignores them.
    const port = new URL(record.url).port;
    const dev = clientOf({
      MONGODB_URL: `mongodb://127.0.0.1:${port}/?authMechanism=PLAIN`,
      MONGODB_USER: LOCAL_SERVICE_MONGODB_USERS['order-service'].user,
      MONGODB_PASSWORD: LOCAL_SERVICE_MONGODB_USERS['order-service'].password,
    });
    try {
      expect(await dev.db('orders').collection('orders').countDocuments()).toBe(1);
    } finally {
      await dev.close();
    }
  });
});

describe('ferretDbUserStatements', () => {
  const quote = { identifier: (n: string) => `"${n}"`, literal: (v: string) => `'${v}'` };
  const spec = LOCAL_SERVICE_MONGODB_USERS['order-service'];

  it('makes a login role with no other power, allowed to connect and create schemas', () => {
    const [role, grant] = ferretDbUserStatements(spec, 'ferretdb', quote, false);
    expect(role).toMatch(/^CREATE ROLE "order_service" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE /);
    expect(role).toContain("PASSWORD 'order-service-dev'");
    expect(grant).toBe('GRANT CONNECT, CREATE ON DATABASE "ferretdb" TO "order_service"');
  });

  it('brings an existing role back to shape instead', () => {
    expect(ferretDbUserStatements(spec, 'ferretdb', quote, true)[0]).toMatch(
      /^ALTER ROLE "order_service" WITH LOGIN NOSUPERUSER/,
    );
  });
});
