import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { gracefulShutdown, route } from '../src/index.js';
import { deferred, memoryLogger, type Started, start } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server with one slow route that holds until the test releases it. */
async function slowServer() {
  const entered = deferred();
  const release = deferred();
  const logger = memoryLogger();
  const app: Started = await start({
    logger,
    routes: [
      route({
        method: 'GET',
        path: '/slow',
        handler: async () => {
          entered.resolve();
          await release.promise;
          return { status: 200, body: { done: true } };
        },
      }),
    ],
  });
  const agent = new Agent();
  cleanups.push(() => agent.close());
  cleanups.push(() => app.http.close({ timeoutMs: 100 }));
  return { app, logger, entered, release, agent };
}

describe('graceful shutdown', () => {
  it('refuses new connections, finishes the in-flight request, then runs the steps in order', async () => {
    const { app, logger, entered, release, agent } = await slowServer();
    const order: string[] = [];
    const exits: number[] = [];
    const lifecycle = gracefulShutdown({
      http: app.http,
      logger,
      signals: [],
      exit: (code) => exits.push(code),
      steps: [
        { name: 'bus', run: async () => void order.push(`bus:${app.http.server.listening}`) },
        { name: 'telemetry', run: () => void order.push('telemetry') },
        { name: 'pools', run: async () => void order.push('pools') },
      ],
    });

    const inFlight = request(`${app.url}/slow`, { dispatcher: agent });
    await entered.promise;
    const done = lifecycle.shutdown('test');
    expect(app.http.server.listening).toBe(false);

    const fresh = new Agent();
    cleanups.push(() => fresh.close());
    await expect(request(`${app.url}/slow`, { dispatcher: fresh })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(order).toEqual([]);

    release.resolve();
    const res = await inFlight;
    expect(res.statusCode).toBe(200);
    expect(res.headers.connection).toBe('close');
    expect(await res.body.json()).toEqual({ done: true });

    expect(await done).toBe(0);
    expect(order).toEqual(['bus:false', 'telemetry', 'pools']);
    expect(exits).toEqual([]); // exit is the signal path's business
    expect(lifecycle.shutdown()).toBe(done);
    const stepsLogged = logger.entries.filter((e) => e.msg === 'shutdown step done').map((e) => e.step);
    expect(stepsLogged).toEqual(['bus', 'telemetry', 'pools']);
    expect(logger.entries.filter((e) => e.msg === 'shutdown step done').map((e) => e.position)).toEqual([
      1, 2, 3,
    ]);
    expect(logger.entries.find((e) => e.msg === 'shutdown complete')).toMatchObject({ exitCode: 0 });
  });

  it('closes idle keep-alive connections at once instead of waiting for their timeout', async () => {
    const { app, logger, release, agent } = await slowServer();
    release.resolve();
    const warm = await request(`${app.url}/slow`, { dispatcher: agent });
    await warm.body.dump();
    const started = Date.now();
    const code = await gracefulShutdown({ http: app.http, logger, signals: [], steps: [] }).shutdown();
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('cuts requests that outlive the drain timeout, and still runs the steps', async () => {
    const { app, logger, entered, agent } = await slowServer();
    const order: string[] = [];
    const inFlight = request(`${app.url}/slow`, { dispatcher: agent });
    inFlight.catch(() => {});
    await entered.promise;
    const code = await gracefulShutdown({
      http: app.http,
      logger,
      signals: [],
      drainTimeoutMs: 100,
      steps: [{ name: 'bus', run: () => void order.push('bus') }],
    }).shutdown();
    expect(code).toBe(0);
    await expect(inFlight).rejects.toThrow();
    expect(order).toEqual(['bus']);
    expect(logger.entries.some((e) => e.level === 'warn' && e.step === 'http')).toBe(true);
  });

  it('exits 1 when a step fails or hangs, after running the others', async () => {
    const logger = memoryLogger();
    const order: string[] = [];
    const code = await gracefulShutdown({
      logger,
      signals: [],
      stepTimeoutMs: 100,
      steps: [
        { name: 'bus', run: () => Promise.reject(new Error('drain failed')) },
        { name: 'telemetry', run: () => new Promise<void>(() => {}) },
        { name: 'pools', run: () => void order.push('pools') },
      ],
    }).shutdown();
    expect(code).toBe(1);
    expect(order).toEqual(['pools']);
    const failed = logger.entries.filter((e) => e.msg === 'shutdown step failed');
    expect(failed.map((e) => e.step)).toEqual(['bus', 'telemetry']);
    expect((failed[0]?.err as Error | undefined)?.message).toBe('drain failed');
  });

  it('on a signal, shuts down and exits with the code; a second signal exits at once', async () => {
    const logger = memoryLogger();
    const exits: number[] = [];
    const hold = deferred();
    const before = process.listeners('SIGTERM');
    const lifecycle = gracefulShutdown({
      logger,
      signals: ['SIGTERM'],
      exit: (code) => exits.push(code),
      steps: [{ name: 'bus', run: () => hold.promise }],
    });
    cleanups.push(() => lifecycle.dispose());
    const handler = process.listeners('SIGTERM').find((listener) => !before.includes(listener));
    expect(handler).toBeDefined();

    // Called directly: emitting a real signal would reach the test runner's own handlers.
    handler?.('SIGTERM');
    handler?.('SIGTERM');
    expect(exits).toEqual([1]);
    hold.resolve();
    await expect.poll(() => exits).toEqual([1, 0]);

    lifecycle.dispose();
    expect(process.listeners('SIGTERM')).toEqual(before);
  });
});
