import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '@demo/http';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { faultRoutes } from '../src/admin.js';
import { Faults } from '../src/faults.js';

describe('the admin endpoint of the fault switches', () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  const serve = async (faults: Faults): Promise<string> => {
    const app = createApp({ routes: faultRoutes(faults), logger: pino({ level: 'silent' }) });
    const server = createServer((req, res) => app.handle(req, res)).listen(0, '127.0.0.1');
    servers.push(server);
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/faults`;
  };

  it('refuses reads and changes with 403 problem+json unless enabled', async () => {
    const faults = new Faults({ reservationLatencyMs: 5 }, false);
    const url = await serve(faults);
    const put = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reservationLatencyMs: 0 }),
    });
    expect(put.status).toBe(403);
    expect(put.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await put.json()) as { detail: string }).detail).toMatch(/DEMO_FAULTS_ADMIN=true/);
    expect((await fetch(url)).status).toBe(403);
    expect(faults.settings().reservationLatencyMs).toBe(5);
  });

  it('changes switches when enabled, and answers 400 for an unknown one', async () => {
    const faults = new Faults({}, true);
    const url = await serve(faults);
    const put = (body: unknown) =>
      fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const changed = await put({ handlerErrorRate: 0.5 });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ handlerErrorRate: 0.5, reservationLatencyMs: 0 });
    expect((await put({ nonsense: 1 })).status).toBe(400);
    expect((await put({ handlerErrorRate: 3 })).status).toBe(400);
    expect(((await (await fetch(url)).json()) as { handlerErrorRate: number }).handlerErrorRate).toBe(0.5);
  });
});
