import { CE, MSG_ID } from '@demo/bus';
import type { ServiceProcess } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  createSuite,
  eventually,
  newTraceparent,
  published,
  type Suite,
  type UserBody,
  uniqueEmail,
} from './helpers.js';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}

interface Page {
  items: UserBody[];
  nextCursor: string | null;
}

describe('user-service HTTP API', () => {
  let suite: Suite;
  let service: ServiceProcess;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    suite = await createSuite();
    service = await suite.start();
    api = client(service.url);
  });
  afterAll(async () => {
    await suite?.close();
  });

  describe('POST /api/users', () => {
    it('creates a user: 201, location, the user with a lower-cased email and no orders', async () => {
      const response = await api.createUser({ email: 'Ada.Lovelace@Example.COM', name: 'Ada Lovelace' });
      expect(response.status).toBe(201);
      const user = response.body;
      expect(user).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: 'ada.lovelace@example.com',
        name: 'Ada Lovelace',
        orderCount: 0,
        rejectedOrderCount: 0,
        lastOrderAt: null,
        createdAt: expect.any(String),
      });
      expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);
      expect(response.headers.get('location')).toBe(`/api/users/${user.id}`);
      expect((await api.getUser(user.id)).body).toEqual(user);
    });

    it('answers 409 for an email already registered, in any letter case, and writes nothing', async () => {
      const email = uniqueEmail('taken');
      const first = await api.createUser({ email, name: 'First' });
      expect(first.status).toBe(201);

      const again = await api.createUser({ email: email.toUpperCase(), name: 'Second' });
      expect(again.status).toBe(409);
      expect(again.headers.get('content-type')).toContain('application/problem+json');
      expect(again.body).toMatchObject({ status: 409, title: 'Email already registered', email });

      const rows = await suite.pool.query('select count(*)::int as n from users where email = $1', [email]);
      expect(rows.rows[0].n).toBe(1);
      const events = await suite.pool.query(
        `select count(*)::int as n from outbox where subject = 'users.created' and data->>'email' = $1`,
        [email],
      );
      expect(events.rows[0].n).toBe(1);
    });

    it('answers 400 naming each invalid field', async () => {
      const response = await api.createUser({ email: 'not-an-email', name: '' });
      expect(response.status).toBe(400);
      const problem = response.body as unknown as Problem;
      expect(problem.type).toBe('urn:problem-type:validation-error');
      expect(problem.errors?.map((e) => e.path).sort()).toEqual(['body.email', 'body.name']);

      const missing = await api.createUser({});
      expect(missing.status).toBe(400);
      expect((missing.body as unknown as Problem).errors?.map((e) => e.path).sort()).toEqual([
        'body.email',
        'body.name',
      ]);
    });

    it('answers 400 for malformed JSON, 415 for a non-JSON body, 413 for an oversized body', async () => {
      const malformed = await api.call<Problem>('POST', '/api/users', {
        body: '{"email": "a@example.com",',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).toBe(400);
      expect(malformed.body.type).toBe('urn:problem-type:malformed-json');

      const text = await api.call<Problem>('POST', '/api/users', {
        body: 'email=a@example.com',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(text.status).toBe(415);

      const huge = await api.call<Problem>('POST', '/api/users', {
        json: { email: uniqueEmail(), name: 'x'.repeat(2 * 1024 * 1024) },
      });
      expect(huge.status).toBe(413);
    });
  });

  describe('GET /api/users', () => {
    it('pages through every user once, oldest first, with an opaque cursor', async () => {
      for (let i = 0; i < 5; i++) {
        expect((await api.createUser({ email: uniqueEmail(`page${i}`), name: `Page ${i}` })).status).toBe(
          201,
        );
      }
      const { rows } = await suite.pool.query<{ id: string }>('select id from users order by created_at, id');

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
        const page: { status: number; body: Page } = await api.call<Page>('GET', `/api/users${query}`);
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((u) => u.id));
        cursor = page.body.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 50);
      expect(seen).toEqual(rows.map((r) => r.id));
      expect(pages).toBe(Math.ceil(rows.length / 2));
    });

    it('defaults to 20 items and answers the user JSON', async () => {
      const page = await api.call<Page>('GET', '/api/users');
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeGreaterThan(0);
      expect(page.body.items.length).toBeLessThanOrEqual(20);
      expect(Object.keys(page.body.items[0] ?? {}).sort()).toEqual(
        ['createdAt', 'email', 'id', 'lastOrderAt', 'name', 'orderCount', 'rejectedOrderCount'].sort(),
      );
    });

    it('answers 400 for a limit out of 1..100 and for a cursor it did not issue', async () => {
      for (const limit of ['0', '101', 'ten']) {
        const response = await api.call<Problem>('GET', `/api/users?limit=${limit}`);
        expect(response.status, `limit=${limit}`).toBe(400);
        expect(response.body.errors?.map((e) => e.path)).toEqual(['query.limit']);
      }
      const badCursor = await api.call<Problem>('GET', '/api/users?cursor=bm90LWEtY3Vyc29y');
      expect(badCursor.status).toBe(400);
      expect(badCursor.body.errors?.map((e) => e.path)).toEqual(['query.cursor']);
    });
  });

  describe('GET /api/users/:id', () => {
    it('answers 404 for an unknown id and 400 for an id that is not a uuid', async () => {
      const unknown = await api.call<Problem>('GET', `/api/users/${crypto.randomUUID()}`);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toContain('application/problem+json');

      const invalid = await api.call<Problem>('GET', '/api/users/42');
      expect(invalid.status).toBe(400);
      expect(invalid.body.errors?.map((e) => e.path)).toEqual(['params.id']);
    });
  });

  describe('DELETE /api/users/:id', () => {
    it('deletes the user (204, then 404) and answers 404 when it is already gone', async () => {
      const user = (await api.createUser({ email: uniqueEmail('gone'), name: 'Gone Soon' })).body;
      const deleted = await api.call('DELETE', `/api/users/${user.id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBeUndefined();
      expect((await api.getUser(user.id)).status).toBe(404);
      expect((await api.call('DELETE', `/api/users/${user.id}`)).status).toBe(404);
      expect((await api.call('DELETE', '/api/users/not-a-uuid')).status).toBe(400);
    });
  });

  describe('outbox', () => {
    it("publishes users.created with the outbox row's id as ce-id, continuing the request's trace", async () => {
      const { traceId, traceparent } = newTraceparent();
      const user = (await api.createUser({ email: uniqueEmail('traced'), name: 'Traced' }, { traceparent }))
        .body;

      const [message] = await eventually(
        'users.created on NATS',
        () => published(suite.bus, 'USERS', 'users.created', (d) => d.userId === user.id),
        (found) => found.length === 1,
      );
      const { rows } = await suite.pool.query<{ id: string; published_at: Date | null }>(
        `select id, published_at from outbox where subject = 'users.created' and data->>'userId' = $1`,
        [user.id],
      );
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      expect(message!.header.get(CE.id)).toBe(row.id);
      expect(message!.header.get(MSG_ID)).toBe(row.id);
      expect(message!.header.get(CE.type)).toBe('users.created.v1');
      expect(message!.header.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
      expect(message!.json()).toEqual({
        userId: user.id,
        email: user.email,
        name: 'Traced',
        createdAt: user.createdAt,
      });
      await eventually(
        'the outbox row marked published',
        () =>
          suite.pool.query('select published_at from outbox where id = $1', [row.id]).then((r) => r.rows[0]),
        (r) => r?.published_at !== null,
      );
    });

    it('publishes users.deleted when a user is deleted', async () => {
      const user = (await api.createUser({ email: uniqueEmail('bye'), name: 'Bye' })).body;
      const before = Date.now();
      expect((await api.call('DELETE', `/api/users/${user.id}`)).status).toBe(204);
      const [message] = await eventually(
        'users.deleted on NATS',
        () => published(suite.bus, 'USERS', 'users.deleted', (d) => d.userId === user.id),
        (found) => found.length === 1,
      );
      const data = message!.json<{ userId: string; deletedAt: string }>();
      expect(data.userId).toBe(user.id);
      expect(new Date(data.deletedAt).getTime()).toBeGreaterThanOrEqual(before - 1_000);
    });
  });

  it('is ready: PostgreSQL and NATS reachable, consumers running', async () => {
    const ready = await api.call<{ status: string; checks: Record<string, { status: string }> }>(
      'GET',
      '/ready',
    );
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toMatchObject({ postgres: { status: 'ok' }, nats: { status: 'ok' } });
  });
});
