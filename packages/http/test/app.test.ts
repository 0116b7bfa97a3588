import { Readable } from 'node:stream';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type HttpLogger, HttpProblem, openApiDocument, type ProblemBody, route } from '../src/index.js';
import { memoryLogger, type Started, start } from './helpers.js';

const thing = z.object({ name: z.string().min(1), quantity: z.number().int().positive() });

const getThing = route({
  method: 'GET',
  path: '/api/things/:id',
  params: z.object({ id: z.uuid() }),
  handler: ({ params }) => ({ status: 200, body: { id: params.id } }),
});

const createThing = route({
  method: 'POST',
  path: '/api/things',
  body: thing,
  handler: ({ body }) => ({
    status: 201,
    body: { id: '7d6f1b52-5c8e-4a55-9d0e-3f1f5f0d7a11', ...body },
    headers: { location: '/api/things/7d6f1b52-5c8e-4a55-9d0e-3f1f5f0d7a11' },
  }),
});

const listThings = route({
  method: 'GET',
  path: '/api/things',
  query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(10), tag: z.string().optional() }),
  handler: ({ query }) => ({ status: 200, body: { limit: query.limit, tag: query.tag ?? null } }),
});

const deleteThing = route({
  method: 'DELETE',
  path: '/api/things/:id',
  params: z.object({ id: z.uuid() }),
  handler: () => ({ status: 204 }),
});

/** A route that reads one request header through its schema. */
const keyedThing = route({
  method: 'POST',
  path: '/api/keyed-things',
  body: thing,
  headers: z.object({
    'thing-key': z
      .string()
      .regex(/^[a-z]{1,8}$/, { error: 'must be 1 to 8 lower-case letters' })
      .optional()
      .meta({ description: 'Names the thing.' }),
  }),
  handler: ({ headers }) => ({ status: 200, body: { key: headers['thing-key'] ?? null } }),
});

const routes = [
  getThing,
  createThing,
  keyedThing,
  listThings,
  deleteThing,
  route({
    method: 'GET',
    path: '/api/boom',
    handler: () => {
      throw new Error('connection to postgres://admin:hunter2@db failed');
    },
  }),
  route({
    method: 'POST',
    path: '/api/conflict',
    body: z.object({ email: z.email() }),
    handler: ({ body }) => {
      throw HttpProblem.conflict('That email is taken.', { email: body.email });
    },
  }),
  route({
    method: 'GET',
    path: '/api/unencodable',
    handler: () => {
      throw HttpProblem.badRequest('bad', { big: 10n });
    },
  }),
];

const ID = '0b8f8f5e-8a4a-4b0c-9a53-2f0e5e3a1c77';
const log = memoryLogger();
let app: Started;
let slowReady = false;

beforeAll(async () => {
  app = await start({
    routes,
    logger: log,
    bodyLimit: 1024,
    readinessTimeoutMs: 200,
    readiness: [
      { name: 'postgres', check: async () => {} },
      {
        name: 'nats',
        check: () =>
          slowReady ? new Promise<void>((resolve) => setTimeout(resolve, 2000)) : Promise.resolve(),
      },
    ],
  });
});

afterAll(async () => {
  await app.http.close({ timeoutMs: 1000 });
});

async function call(
  method: string,
  path: string,
  init: { body?: string; headers?: Record<string, string> } = {},
) {
  const res = await request(`${app.url}${path}`, {
    method: method as 'GET',
    body: init.body,
    headers: init.headers,
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: text === '' ? undefined : JSON.parse(text),
  };
}

const json = { 'content-type': 'application/json' };

function expectProblem(
  res: { headers: Record<string, unknown>; json: ProblemBody },
  status: number,
  instance: string,
) {
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.json).toMatchObject({ status, instance, title: expect.any(String), type: expect.any(String) });
}

describe('routing and handlers', () => {
  it('answers 200 with validated path params', async () => {
    const res = await call('GET', `/api/things/${ID}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json).toEqual({ id: ID });
  });

  it('answers 201 with the body and the headers the handler returned', async () => {
    const res = await call('POST', '/api/things', {
      body: JSON.stringify({ name: 'bolt', quantity: 3 }),
      headers: json,
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe('/api/things/7d6f1b52-5c8e-4a55-9d0e-3f1f5f0d7a11');
    expect(res.json).toMatchObject({ name: 'bolt', quantity: 3 });
  });

  it('accepts application/*+json with parameters', async () => {
    const res = await call('POST', '/api/things', {
      body: JSON.stringify({ name: 'nut', quantity: 1 }),
      headers: { 'content-type': 'application/merge-patch+json; charset=utf-8' },
    });
    expect(res.status).toBe(201);
  });

  it('answers 204 without a body', async () => {
    const res = await call('DELETE', `/api/things/${ID}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('coerces and defaults the query through its schema', async () => {
    expect((await call('GET', '/api/things')).json).toEqual({ limit: 10, tag: null });
    expect((await call('GET', '/api/things?limit=5&tag=red')).json).toEqual({ limit: 5, tag: 'red' });
  });

  it('answers HEAD on a GET route without a body', async () => {
    const res = await call('HEAD', `/api/things/${ID}`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });

  it('lets a handler be called directly, as a pure function of its input', async () => {
    const result = await getThing.handler({
      params: { id: ID },
      query: {},
      body: undefined,
      headers: {},
      requestId: 'r-1',
      log: memoryLogger(),
      signal: new AbortController().signal,
    });
    expect(result).toEqual({ status: 200, body: { id: ID } });
  });
});

describe('request headers', () => {
  const post = (headers: Record<string, string>, body = { name: 'bolt', quantity: 1 }) =>
    call('POST', '/api/keyed-things', { body: JSON.stringify(body), headers: { ...json, ...headers } });

  it('hands the handler the headers its schema declares, validated', async () => {
    expect((await post({ 'Thing-Key': 'abc' })).json).toEqual({ key: 'abc' });
    expect((await post({})).json).toEqual({ key: null });
  });

  it('answers 400 naming the header, beside the body fields', async () => {
    const res = await post({ 'thing-key': 'NOT OK' }, { name: '', quantity: 1 });
    expect(res.status).toBe(400);
    expectProblem(res, 400, '/api/keyed-things');
    expect(res.json.errors).toEqual([
      { path: 'headers.thing-key', message: 'must be 1 to 8 lower-case letters' },
      { path: 'body.name', message: expect.any(String) },
    ]);
  });

  it('lists them in the OpenAPI document as header parameters', () => {
    const document = openApiDocument({ title: 't', version: '1' }, [keyedThing]) as {
      paths: Record<string, Record<string, { parameters?: unknown[]; responses: Record<string, unknown> }>>;
    };
    const operation = document.paths['/api/keyed-things']?.post;
    expect(operation?.parameters).toEqual([
      {
        name: 'Thing-Key',
        in: 'header',
        required: false,
        description: 'Names the thing.',
        schema: { type: 'string', pattern: '^[a-z]{1,8}$' },
      },
    ]);
    expect(Object.keys(operation?.responses ?? {})).toContain('400');
  });
});

describe('problems', () => {
  it('400 lists every failing body field', async () => {
    const res = await call('POST', '/api/things', {
      body: JSON.stringify({ name: '', quantity: 'three' }),
      headers: json,
    });
    expect(res.status).toBe(400);
    expectProblem(res, 400, '/api/things');
    expect(res.json.type).toBe('urn:problem-type:validation-error');
    expect(res.json.detail).toEqual(expect.any(String));
    const paths = (res.json.errors as { path: string; message: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['body.name', 'body.quantity']);
    for (const error of res.json.errors) expect(error.message).toEqual(expect.any(String));
  });

  it('400 when a body route gets no body', async () => {
    const res = await call('POST', '/api/things', { headers: json });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([{ path: 'body', message: expect.any(String) }]);
  });

  it('400 lists failing path params', async () => {
    const res = await call('GET', '/api/things/not-a-uuid');
    expect(res.status).toBe(400);
    expectProblem(res, 400, '/api/things/not-a-uuid');
    expect(res.json.errors).toEqual([{ path: 'params.id', message: expect.any(String) }]);
  });

  it('400 lists failing query fields', async () => {
    const res = await call('GET', '/api/things?limit=abc&tag=a&tag=b');
    expect(res.status).toBe(400);
    expectProblem(res, 400, '/api/things');
    expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['query.limit', 'query.tag']);
  });

  it('400 for malformed JSON', async () => {
    const res = await call('POST', '/api/things', { body: '{"name": "bolt",', headers: json });
    expect(res.status).toBe(400);
    expectProblem(res, 400, '/api/things');
    expect(res.json.type).toBe('urn:problem-type:malformed-json');
    expect(res.json.errors).toBeUndefined();
  });

  it('415 for a body that is not JSON', async () => {
    const res = await call('POST', '/api/things', {
      body: 'name=bolt',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expectProblem(res, 415, '/api/things');
  });

  it('413 for a body past the limit', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2000), quantity: 1 });
    const res = await call('POST', '/api/things', { body: big, headers: json });
    expect(res.status).toBe(413);
    expectProblem(res, 413, '/api/things');
    expect(res.json.detail).toContain('1024');
  });

  it('413 for a chunked body that grows past the limit', async () => {
    async function* chunks() {
      yield '{"name":"';
      for (let i = 0; i < 8; i += 1) yield 'x'.repeat(256);
      yield '","quantity":1}';
    }
    const res = await request(`${app.url}/api/things`, {
      method: 'POST',
      body: Readable.from(chunks()),
      headers: json,
    });
    const body = JSON.parse(await res.body.text());
    expect(res.statusCode).toBe(413);
    expect(body).toMatchObject({ status: 413, instance: '/api/things' });
  });

  it('404 for an unknown path', async () => {
    const res = await call('GET', '/api/nothing-here?x=1');
    expect(res.status).toBe(404);
    expectProblem(res, 404, '/api/nothing-here');
    expect(res.json).toMatchObject({ type: 'about:blank', title: 'Not Found' });
  });

  it('405 with Allow for a known path and the wrong method', async () => {
    const res = await call('PUT', `/api/things/${ID}`, { body: '{}', headers: json });
    expect(res.status).toBe(405);
    expectProblem(res, 405, `/api/things/${ID}`);
    expect(String(res.headers.allow).split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD']);
  });

  it('a thrown HttpProblem keeps its status, detail and extension members', async () => {
    const res = await call('POST', '/api/conflict', {
      body: JSON.stringify({ email: 'a@example.com' }),
      headers: json,
    });
    expect(res.status).toBe(409);
    expectProblem(res, 409, '/api/conflict');
    expect(res.json).toMatchObject({
      title: 'Conflict',
      detail: 'That email is taken.',
      email: 'a@example.com',
    });
  });

  it('500 carries no internals, and the error is logged with its stack', async () => {
    const res = await call('GET', '/api/boom', { headers: { 'x-request-id': 'boom-1' } });
    expect(res.status).toBe(500);
    expectProblem(res, 500, '/api/boom');
    expect(res.json).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred.',
      instance: '/api/boom',
      requestId: 'boom-1',
    });
    expect(res.text).not.toContain('hunter2');
    expect(res.text).not.toContain('at ');
    const logged = log.entries.find((e) => e.level === 'error' && e.request_id === 'boom-1');
    expect(logged?.route).toBe('/api/boom');
    expect((logged?.err as Error | undefined)?.stack).toContain('hunter2');
  });

  it('a problem that JSON cannot encode is a bare 500, and the server stays up', async () => {
    const res = await call('GET', '/api/unencodable');
    expect(res.status).toBe(500);
    expect(res.text).toBe('');
    expect((await call('GET', '/health')).status).toBe(200);
  });
});

describe('request ids', () => {
  it('echoes the caller’s x-request-id and binds it to the logs', async () => {
    const res = await call('GET', `/api/things/${ID}`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    await expect
      .poll(() => log.entries.find((e) => e.request_id === 'abc-123'))
      .toMatchObject({
        msg: 'request completed',
        level: 'debug',
        method: 'GET',
        route: '/api/things/:id',
        status: 200,
      });
  });

  it('logs a quick success at debug and an error answer at info', async () => {
    await call('GET', '/nope', { headers: { 'x-request-id': 'access-404' } });
    await expect
      .poll(() => log.entries.find((e) => e.request_id === 'access-404' && e.msg === 'request completed'))
      .toMatchObject({ level: 'info', status: 404 });
  });

  it('generates one when the caller sent none or an unusable one', async () => {
    const none = await call('GET', `/api/things/${ID}`);
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await call('GET', `/api/things/${ID}`, { headers: { 'x-request-id': 'a b' } });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the request id into problem bodies', async () => {
    const res = await call('GET', '/nope', { headers: { 'x-request-id': 'nope-1' } });
    expect(res.json.requestId).toBe('nope-1');
  });
});

describe('health and readiness', () => {
  it('GET /health is 200 while the process is alive', async () => {
    const res = await call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
  });

  it('GET /ready is 200 with each check’s state', async () => {
    const res = await call('GET', '/ready');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      status: 'ok',
      checks: { postgres: { status: 'ok' }, nats: { status: 'ok' } },
    });
  });

  it('GET /ready is 503 naming the check that failed or timed out', async () => {
    slowReady = true;
    try {
      const started = Date.now();
      const res = await call('GET', '/ready');
      expect(Date.now() - started).toBeLessThan(1500);
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({
        status: 'unavailable',
        checks: { postgres: { status: 'ok' }, nats: { status: 'timeout' } },
      });
    } finally {
      slowReady = false;
    }
  });

  it('a rejected check is reported as failed, without its message', async () => {
    const failing = await start({
      routes: [],
      logger: memoryLogger(),
      readiness: [{ name: 'mongodb', check: () => Promise.reject(new Error('auth failed for user root')) }],
    });
    try {
      const res = await request(`${failing.url}/ready`);
      const text = await res.body.text();
      expect(res.statusCode).toBe(503);
      expect(JSON.parse(text)).toMatchObject({
        status: 'unavailable',
        checks: { mongodb: { status: 'failed' } },
      });
      expect(text).not.toContain('auth failed');
    } finally {
      await failing.http.close();
    }
  });

  it('a failing non-critical check reports degraded and stays 200; a critical one still makes it 503', async () => {
    const down = () => Promise.reject(new Error('not connected'));
    const degraded = await start({
      routes: [],
      logger: memoryLogger(),
      readiness: [
        { name: 'postgres', check: async () => {} },
        { name: 'nats', critical: false, check: down },
      ],
    });
    const unavailable = await start({
      routes: [],
      logger: memoryLogger(),
      readiness: [
        { name: 'postgres', check: down },
        { name: 'nats', critical: false, check: down },
      ],
    });
    try {
      const res = await request(`${degraded.url}/ready`);
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toMatchObject({
        status: 'degraded',
        checks: { postgres: { status: 'ok' }, nats: { status: 'failed' } },
      });
      const both = await request(`${unavailable.url}/ready`);
      expect(both.statusCode).toBe(503);
      expect(await both.body.json()).toMatchObject({ status: 'unavailable' });
    } finally {
      await degraded.http.close();
      await unavailable.http.close();
    }
  });

  it('refuses two checks with one name', async () => {
    const check = async () => {};
    await expect(
      start({
        routes: [],
        logger: memoryLogger(),
        readiness: [
          { name: 'pg', check },
          { name: 'pg', check },
        ],
      }),
    ).rejects.toThrow(/twice/);
  });
});

describe('logger', () => {
  it('a pino logger fits the logger shape', () => {
    const logger: HttpLogger = pino({ level: 'silent' });
    expect(logger.child({ request_id: 'x' })).toBeDefined();
  });
});

describe('bounded waiting', () => {
  it('answers 503 problem+json with Retry-After when a handler outlives the request timeout, and aborts its signal', async () => {
    let aborted: unknown;
    const slow = await start({
      routes: [
        route({
          method: 'GET',
          path: '/slow',
          handler: ({ signal }) =>
            new Promise((resolve) => {
              signal.addEventListener('abort', () => {
                aborted = signal.reason;
                resolve({ status: 200, body: { late: true } });
              });
            }),
        }),
      ],
      logger: memoryLogger(),
      requestTimeoutMs: 150,
      retryAfterSeconds: 2,
    });
    try {
      const started = Date.now();
      const res = await request(`${slow.url}/slow`);
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(await res.body.json()).toMatchObject({
        status: 503,
        type: 'urn:problem-type:service-unavailable',
      });
      expect(aborted).toBeInstanceOf(Error);
    } finally {
      await slow.http.close();
    }
  });

  it('answers 503 with Retry-After, not 500, when a dependency is busy or away', async () => {
    const busy = await start({
      routes: [
        route({
          method: 'GET',
          path: '/pool',
          handler: () => Promise.reject(new Error('timeout exceeded when trying to connect')),
        }),
        route({
          method: 'GET',
          path: '/wrapped',
          handler: () => {
            const driver = Object.assign(new Error('canceling statement due to statement timeout'), {
              code: '57014',
            });
            throw new Error('Failed query: select 1', { cause: driver });
          },
        }),
        route({
          method: 'GET',
          path: '/bug',
          handler: () => Promise.reject(new TypeError('x is undefined')),
        }),
      ],
      logger: memoryLogger(),
    });
    try {
      for (const path of ['/pool', '/wrapped']) {
        const res = await request(`${busy.url}${path}`);
        expect(res.statusCode, path).toBe(503);
        expect(res.headers['retry-after']).toBe('1');
        await res.body.dump();
      }
      const bug = await request(`${busy.url}/bug`);
      expect(bug.statusCode).toBe(500);
      await bug.body.dump();
    } finally {
      await busy.http.close();
    }
  });
});
