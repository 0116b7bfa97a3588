import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { formatReport, runLoad } from '../src/loadgen.js';

interface Received {
  method: string;
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
  at: number;
}

/** One loopback node:http server answering the three services' create routes. */
async function standIn(
  options: { failEveryNthOrder?: number; stuckEveryNthOrder?: number; settleAfterMs?: number } = {},
) {
  const received: Received[] = [];
  const users = new Set<string>();
  const skus = new Set<string>();
  let orders = 0;
  /** When each accepted order reaches CONFIRMED (never, for a stuck one). */
  const settlesAt = new Map<string, number>();
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? '';
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.method === 'GET' && path.startsWith('/api/orders/')) {
        const id = path.slice('/api/orders/'.length);
        const at = settlesAt.get(id);
        if (at === undefined) return reply(404, { title: 'not found' });
        return reply(200, { id, status: performance.now() >= at ? 'CONFIRMED' : 'PENDING' });
      }
      received.push({
        method: req.method ?? '',
        path,
        contentType: req.headers['content-type'],
        body,
        at: performance.now(),
      });
      if (path === '/api/users') {
        const id = `user-${users.size + 1}`;
        users.add(id);
        return reply(201, { id, email: body.email, name: body.name });
      }
      if (path === '/api/inventory') {
        skus.add(String(body.sku));
        return reply(201, { id: `item-${skus.size}`, ...body });
      }
      if (path === '/api/orders') {
        orders++;
        if (!users.has(String(body.userId))) return reply(422, { title: 'unknown user' });
        const items = body.items as Array<{ sku: string }>;
        if (!items.every((i) => skus.has(i.sku))) return reply(400, { title: 'unknown sku' });
        if (options.failEveryNthOrder && orders % options.failEveryNthOrder === 0)
          return reply(500, { title: 'boom' });
        const id = `order-${orders}`;
        const stuck = options.stuckEveryNthOrder !== undefined && orders % options.stuckEveryNthOrder === 0;
        settlesAt.set(
          id,
          stuck ? Number.POSITIVE_INFINITY : performance.now() + (options.settleAfterMs ?? 0),
        );
        return reply(201, { id, status: 'PENDING' });
      }
      reply(404, { title: 'not found' });
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('loadgen against a loopback HTTP server', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('creates users and stock, then places valid orders at the configured rate, and counts outcomes', async () => {
    const server = await standIn({ failEveryNthOrder: 10, settleAfterMs: 100 });
    closers.push(server.close);
    const config = loadConfig(
      [
        '--rate',
        '40',
        '--duration',
        '1s',
        '--users',
        '4',
        '--skus',
        '3',
        '--settle',
        '0',
        '--max-error-rate',
        '0.2',
        '--saga-settle',
        '5s',
      ],
      { USER_SERVICE_URL: server.url, ORDER_SERVICE_URL: server.url, INVENTORY_SERVICE_URL: server.url },
    );
    const lines: string[] = [];
    const report = await runLoad(config, { log: (l) => lines.push(l) });

    const byPath = (p: string) => server.received.filter((r) => r.path === p);
    expect(byPath('/api/users')).toHaveLength(4);
    expect(byPath('/api/inventory')).toHaveLength(3);
    const orders = byPath('/api/orders');
    expect(orders).toHaveLength(40);
    for (const r of server.received) {
      expect(r.method).toBe('POST');
      expect(r.contentType).toBe('application/json');
    }
    for (const { body } of byPath('/api/inventory')) {
      expect(body).toEqual({
        sku: expect.any(String),
        name: expect.any(String),
        quantity: expect.any(Number),
        unitPrice: expect.any(Number),
      });
    }
    for (const { body } of orders) {
      expect(Object.keys(body).sort()).toEqual(['items', 'userId']);
      const items = body.items as Array<{ sku: string; quantity: number }>;
      expect(items.length).toBeGreaterThanOrEqual(1);
      expect(items.length).toBeLessThanOrEqual(3);
      expect(new Set(items.map((i) => i.sku)).size).toBe(items.length);
      for (const item of items) expect(item.quantity).toBeGreaterThanOrEqual(1);
    }

    // Paced, not bursted: 40 orders at 40/s spread over about one second.
    const spread = (orders.at(-1)?.at ?? 0) - (orders[0]?.at ?? 0);
    expect(spread).toBeGreaterThan(850);
    expect(spread).toBeLessThan(2_000);

    expect(report.users).toMatchObject({ requests: 4, errors: 0 });
    expect(report.stock).toMatchObject({ requests: 3, errors: 0 });
    expect(report.orders).toMatchObject({ requests: 40, errors: 4, byStatus: { '201': 36, '500': 4 } });
    expect(report.orders.p50).toBeGreaterThan(0);
    expect(report.orders.p99).toBeGreaterThanOrEqual(report.orders.p95);
    expect(report.skipped).toBe(0);
    // Every accepted order was followed to CONFIRMED (polled over HTTP: no NATS URL given).
    expect(report.saga).toMatchObject({ placed: 36, pending: 0, settled: { CONFIRMED: 36 } });
    expect(report.saga.p50).toBeGreaterThanOrEqual(100);
    expect(report.passed).toBe(true);
    const text = formatReport(report);
    expect(text).toMatch(/POST orders\s+requests=40 errors=4 p50=\S+ms p95=\S+ms p99=\S+ms/);
    expect(lines.some((l) => l.includes('created 4/4 users and 3/3 skus'))).toBe(true);
  });

  it('fails the run when the error rate passes the threshold', async () => {
    const server = await standIn({ failEveryNthOrder: 2 });
    closers.push(server.close);
    const config = loadConfig(
      [
        '--rate',
        '50',
        '--duration',
        '0.2s',
        '--users',
        '1',
        '--skus',
        '1',
        '--settle',
        '0',
        '--saga-settle',
        '2s',
      ],
      {
        USER_SERVICE_URL: server.url,
        ORDER_SERVICE_URL: server.url,
        INVENTORY_SERVICE_URL: server.url,
      },
    );
    const report = await runLoad(config, { log: () => {} });
    expect(report.orders.requests).toBe(10);
    expect(report.orders.errors).toBe(5);
    expect(report.passed).toBe(false);
  });

  it('fails the run when orders are still pending after the settle window, and names them', async () => {
    const server = await standIn({ stuckEveryNthOrder: 5 });
    closers.push(server.close);
    const config = loadConfig(
      [
        '--rate',
        '50',
        '--duration',
        '0.2s',
        '--users',
        '1',
        '--skus',
        '1',
        '--settle',
        '0',
        '--saga-settle',
        '1s',
      ],
      { USER_SERVICE_URL: server.url, ORDER_SERVICE_URL: server.url, INVENTORY_SERVICE_URL: server.url },
    );
    const report = await runLoad(config, { log: () => {} });
    expect(report.orders).toMatchObject({ requests: 10, errors: 0 });
    expect(report.saga).toMatchObject({ placed: 10, pending: 2, settled: { CONFIRMED: 8 } });
    expect(report.saga.pendingSample.sort()).toEqual(['order-10', 'order-5']);
    expect(report.passed).toBe(false);
    expect(formatReport(report)).toMatch(/result: FAIL \(2 orders still PENDING\)/);
  });

  it('says so when nothing answers', async () => {
    const server = await standIn();
    await server.close(); // a port that was just free: connection refused
    const config = loadConfig(['--users', '2', '--skus', '1', '--timeout', '2s'], {
      USER_SERVICE_URL: server.url,
      ORDER_SERVICE_URL: server.url,
      INVENTORY_SERVICE_URL: server.url,
    });
    await expect(runLoad(config, { log: () => {} })).rejects.toThrow(/no user or no stock could be created/);
  });
});
