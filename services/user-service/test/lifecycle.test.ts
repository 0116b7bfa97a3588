import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CE } from '@demo/bus';
import { createTestDatabase } from '@demo/infra';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../src/db/migrate.js';
import { client, createSuite, eventually, published, type Suite, uniqueEmail } from './helpers.js';

describe('user-service process lifecycle', () => {
  let suite: Suite;

  beforeAll(async () => {
    suite = await createSuite();
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('connects and migrates as the role of DATABASE_USER/DATABASE_PASSWORD (a URL without credentials)', async () => {
    const url = new URL(suite.database.url);
    url.username = '';
    url.password = '';
    const service = await suite.start({
      DATABASE_URL: url.toString(),
      DATABASE_USER: suite.database.role,
      // It holds @ : / % ? # &: percent-encoded into the URL by the service.
      DATABASE_PASSWORD: suite.database.password,
    });
    expect((await client(service.url).createUser({ email: uniqueEmail(), name: 'Own role' })).status).toBe(
      201,
    );
    const { rows } = await suite.pool.query<{ owner: string; superuser: boolean }>(
      "select tableowner as owner, (select rolsuper from pg_roles where rolname = tableowner) as superuser from pg_tables where tablename = 'users'",
    );
    expect(rows).toEqual([{ owner: suite.database.role, superuser: false }]);
    expect(await service.stop()).toBe(0);
  });

  it('shuts down gracefully on SIGTERM: exit code 0, every step done', async () => {
    const service = await suite.start();
    expect((await client(service.url).createUser({ email: uniqueEmail(), name: 'Before stop' })).status).toBe(
      201,
    );
    const code = await service.stop();
    expect(code, service.output()).toBe(0);
    const output = service.output();
    for (const step of ['outbox relay', 'bus', 'telemetry', 'postgres']) {
      expect(output).toContain(`"step":"${step}"`);
    }
    expect(output).toContain('"exitCode":0');
  });

  it('with FAULT_CRASH_AFTER_COMMIT dies after the commit; restarted, it publishes the event exactly once', async () => {
    const crashing = await suite.start({ FAULT_CRASH_AFTER_COMMIT: 'users.created' });
    const exited = once(crashing.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const email = uniqueEmail('crash');
    await expect(client(crashing.url).createUser({ email, name: 'Crash Test' })).rejects.toThrow();
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });

    // Committed, not published.
    const { rows } = await suite.pool.query<{ id: string; user_id: string; published_at: Date | null }>(
      `select o.id, u.id as user_id, o.published_at from users u
         join outbox o on o.subject = 'users.created' and o.data->>'userId' = u.id::text
        where u.email = $1`,
      [email],
    );
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.published_at).toBeNull();
    const forUser = (d: Record<string, unknown>) => d.userId === row.user_id;
    expect(await published(suite.bus, 'USERS', 'users.created', forUser)).toHaveLength(0);

    // Restarted without the switch: the relay's start-up sweep publishes it.
    const restarted = await suite.start();
    const [message] = await eventually(
      'users.created after restart',
      () => published(suite.bus, 'USERS', 'users.created', forUser),
      (found) => found.length > 0,
    );
    expect(message!.header.get(CE.id)).toBe(row.id);
    await eventually(
      'the outbox row marked published',
      () =>
        suite.pool.query('select published_at from outbox where id = $1', [row.id]).then((r) => r.rows[0]),
      (r) => r?.published_at !== null,
    );
    // Longer than a sweep interval (2 s): nothing publishes it again.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await published(suite.bus, 'USERS', 'users.created', forUser)).toHaveLength(1);
    expect((await client(restarted.url).getUser(row.user_id)).body.email).toBe(email);
  });

  it('refuses to start without its required variables, naming them', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@demo/source', 'src/main.ts'], {
      cwd: join(import.meta.dirname, '..'),
      env: { ...process.env, DATABASE_URL: '', NATS_URL: '', OTEL_SDK_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code, output).toBe(1);
    expect(output).toContain('DATABASE_URL is required');
    expect(output).toContain('NATS_URL is required');
  });
});

describe('migrations', () => {
  it('succeed when several instances migrate a fresh database at once, applying each migration once', async () => {
    const database = await createTestDatabase('user_service_migrate');
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () => migrateDatabase(database.url)),
      );
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);

      const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
        entries: unknown[];
      };
      const db = new pg.Client({ connectionString: database.url });
      await db.connect();
      try {
        const applied = await db.query('select count(*)::int as n from drizzle.__drizzle_migrations');
        expect(applied.rows[0].n).toBe(journal.entries.length);
        const tables = await db.query(
          `select table_name from information_schema.tables where table_schema = 'public' order by 1`,
        );
        expect(tables.rows.map((r) => r.table_name)).toEqual(['outbox', 'processed_messages', 'users']);
      } finally {
        await db.end();
      }
      // Running again is a no-op.
      await migrateDatabase(database.url);
    } finally {
      await database.drop();
    }
  });
});
