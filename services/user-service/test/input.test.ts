import type { ServiceProcess } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, createSuite, type Suite, uniqueEmail } from './helpers.js';

interface Problem {
  type: string;
  status: number;
  errors?: { path: string; message: string }[];
}

/** A cursor as the API encodes one: base64url of `[createdAt, id]`. */
const cursorOf = (createdAt: string, id: string) =>
  Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

/**
 * Each class of input the databases cannot hold answers 400 problem+json naming the field, and
 * writes nothing: never a 500 from the driver.
 */
describe('user-service input edges', () => {
  let suite: Suite;
  let service: ServiceProcess;
  let api: ReturnType<typeof client>;

  const expectInvalid = (
    response: { status: number; headers: Headers; body: unknown },
    path: string,
  ): void => {
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = response.body as Problem;
    expect(problem.type).toBe('urn:problem-type:validation-error');
    expect(problem.errors?.map((e) => e.path)).toContain(path);
  };

  beforeAll(async () => {
    suite = await createSuite();
    service = await suite.start();
    api = client(service.url);
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('refuses text PostgreSQL cannot store: NUL and lone surrogates in a name or an email', async () => {
    for (const name of ['Ada\u0000Lovelace', 'Ada \ud800', '\udc00 Ada', 'x\ud800\ud800']) {
      expectInvalid(await api.createUser({ email: uniqueEmail('nul'), name }), 'body.name');
    }
    expectInvalid(await api.createUser({ email: `a\u0000${uniqueEmail()}`, name: 'Ada' }), 'body.email');
    const { rows } = await suite.pool.query<{ n: number }>(
      "select count(*)::int as n from users where email like 'nul-%'",
    );
    expect(rows[0]?.n).toBe(0);
    // A well-formed pair (an emoji) is fine text.
    expect((await api.createUser({ email: uniqueEmail('emoji'), name: 'Ada 🦄' })).status).toBe(201);
  });

  it('refuses cursors with a time PostgreSQL cannot store or this API never issued', async () => {
    const id = '5b0c6c1e-3f4e-4d39-9a57-2f1f3f2b8c11';
    for (const at of [
      '0000-01-01T00:00:00.000Z',
      '-271821-04-20T00:00:00.000Z',
      '+275760-09-13T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
    ]) {
      expectInvalid(await api.call('GET', `/api/users?cursor=${cursorOf(at, id)}`), 'query.cursor');
    }
    expectInvalid(
      await api.call('GET', `/api/users?cursor=${cursorOf('2026-11-24T10:00:00.000Z', `${id}\u0000`)}`),
      'query.cursor',
    );
    expectInvalid(
      await api.call('GET', `/api/users?cursor=${cursorOf('2026-11-24T10:00:00.000Z', id.toUpperCase())}`),
      'query.cursor',
    );
    const fine = await api.call('GET', `/api/users?cursor=${cursorOf('2026-11-24T10:00:00.000Z', id)}`);
    expect(fine.status).toBe(200);
  });

  it('takes limit as a decimal integer literal only', async () => {
    for (const limit of ['0x10', '1e1', '0b11', '5.0', ' 5', '+5', '-1', '05', '', '1000000000000']) {
      expectInvalid(await api.call('GET', `/api/users?limit=${encodeURIComponent(limit)}`), 'query.limit');
    }
    expectInvalid(await api.call('GET', '/api/users?limit=5&limit=6'), 'query.limit');
    expect((await api.call('GET', '/api/users?limit=5')).status).toBe(200);
  });

  it('takes ids in their canonical lower-case spelling only', async () => {
    const created = await api.createUser({ email: uniqueEmail('case'), name: 'Case' });
    expect(created.status).toBe(201);
    const upper = created.body.id.toUpperCase();
    expectInvalid(await api.call('GET', `/api/users/${upper}`), 'params.id');
    expectInvalid(await api.call('DELETE', `/api/users/${upper}`), 'params.id');
    expect((await api.getUser(created.body.id)).status).toBe(200);
  });
});
