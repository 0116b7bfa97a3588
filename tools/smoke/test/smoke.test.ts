import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SmokeFailure, smoke, smokeConfigSchema } from '../src/smoke.js';
import {
  servicesInTrace,
  traceIdFromResponse,
  traceIdFromTraceparent,
  traceIdsFromSearch,
} from '../src/trace.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const batch = (service: string, spans: number) => ({
  resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
  scopeSpans: [{ spans: Array.from({ length: spans }, (_, i) => ({ spanId: String(i) })) }],
});

describe('trace ids and traces', () => {
  it('reads the trace id from traceresponse, traceparent, x-trace-id or the body, in that order', () => {
    expect(traceIdFromTraceparent(`00-${TRACE}-00f067aa0ba902b7-01`)).toBe(TRACE);
    expect(traceIdFromTraceparent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(traceIdFromTraceparent('garbage')).toBeUndefined();
    const other = 'a'.repeat(32);
    expect(
      traceIdFromResponse({ traceresponse: `00-${TRACE}-00f067aa0ba902b7-01`, 'x-trace-id': other }),
    ).toBe(TRACE);
    expect(traceIdFromResponse({ traceparent: `00-${TRACE}-00f067aa0ba902b7-01` })).toBe(TRACE);
    expect(traceIdFromResponse({ 'x-trace-id': TRACE.toUpperCase() })).toBe(TRACE);
    expect(traceIdFromResponse({}, { traceId: TRACE })).toBe(TRACE);
    expect(traceIdFromResponse({}, { id: 'x' })).toBeUndefined();
  });

  it('counts spans by service in both of Tempo trace formats, and reads search results', () => {
    const v1 = {
      batches: [batch('order-service', 3), batch('inventory-service', 2), batch('order-service', 1)],
    };
    expect(Object.fromEntries(servicesInTrace(v1))).toEqual({ 'order-service': 4, 'inventory-service': 2 });
    const v2 = { trace: { resourceSpans: [batch('user-service', 1)] } };
    expect(Object.fromEntries(servicesInTrace(v2))).toEqual({ 'user-service': 1 });
    expect(servicesInTrace(undefined).size).toBe(0);
    expect(traceIdsFromSearch({ traces: [{ traceID: TRACE }, { traceID: 'abc' }] })).toEqual([
      TRACE,
      `${'0'.repeat(29)}abc`,
    ]);
  });
});

/** The three services and Tempo, played by one loopback server. */
async function standIn(options: { traceHeader: boolean; outcome?: 'CONFIRMED' | 'REJECTED' }) {
  let orderPosts = 0;
  let orderGets = 0;
  let traceGets = 0;
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    seen.push(`${req.method} ${path.split('?')[0]}`);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && path === '/api/users') return reply(201, { id: 'u-1' });
      if (req.method === 'POST' && path === '/api/inventory') return reply(201, { id: 'i-1' });
      if (req.method === 'POST' && path === '/api/orders') {
        orderPosts++;
        if (orderPosts === 1) return reply(422, { title: 'unknown user' }); // the event has not arrived yet
        const headers: Record<string, string> = options.traceHeader
          ? { traceresponse: `00-${TRACE}-00f067aa0ba902b7-01` }
          : {};
        return reply(201, { id: 'o-1', status: 'PENDING' }, headers);
      }
      if (req.method === 'GET' && path === '/api/orders/o-1') {
        orderGets++;
        return reply(200, {
          id: 'o-1',
          status: orderGets < 2 ? 'PENDING' : (options.outcome ?? 'CONFIRMED'),
        });
      }
      if (req.method === 'GET' && path.startsWith('/api/search?')) {
        const tags = new URL(path, 'http://x').searchParams.get('tags');
        return reply(200, { traces: tags === 'app.order.id=o-1' ? [{ traceID: TRACE }] : [] });
      }
      if (req.method === 'GET' && path === `/api/traces/${TRACE}`) {
        traceGets++;
        if (traceGets === 1) return reply(404, { error: 'trace not found' });
        if (traceGets === 2) return reply(200, { batches: [batch('order-service', 2)] }); // still arriving
        return reply(200, {
          batches: [batch('order-service', 5), batch('inventory-service', 3), batch('user-service', 1)],
        });
      }
      reply(404, { title: 'not found' });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = smokeConfigSchema.parse({
    userUrl: url,
    orderUrl: url,
    inventoryUrl: url,
    tempoUrl: url,
    pollMs: 20,
    confirmTimeoutMs: 5_000,
    traceTimeoutMs: 5_000,
  });
  return { config, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('smoke against a loopback stand-in for the stack', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('follows the order to CONFIRMED and its trace (from traceresponse) until every service shows', async () => {
    const s = await standIn({ traceHeader: true });
    closers.push(s.close);
    const result = await smoke(s.config, () => {});
    expect(result).toMatchObject({ userId: 'u-1', orderId: 'o-1', traceId: TRACE, traceFoundBy: 'response' });
    expect(result.services).toEqual({ 'inventory-service': 3, 'order-service': 5, 'user-service': 1 });
    expect(s.seen.filter((x) => x === 'POST /api/orders')).toHaveLength(2);
    expect(s.seen).not.toContain('GET /api/search');
  });

  it('searches Tempo by app.order.id when the answer carries no trace id', async () => {
    const s = await standIn({ traceHeader: false });
    closers.push(s.close);
    const result = await smoke(s.config, () => {});
    expect(result).toMatchObject({ traceId: TRACE, traceFoundBy: 'search' });
    expect(s.seen).toContain('GET /api/search');
  });

  it('fails at once when the order is rejected', async () => {
    const s = await standIn({ traceHeader: true, outcome: 'REJECTED' });
    closers.push(s.close);
    await expect(smoke(s.config, () => {})).rejects.toThrow(SmokeFailure);
    await expect(smoke(s.config, () => {})).rejects.toThrow(/REJECTED/);
  });
});
