import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type RPCMetadata, RPCType, setRPCMetadata } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp, route } from '../src/index.js';
import { memoryLogger } from './helpers.js';

// Stands in for the HTTP instrumentation: a server span active around the app's handler, and the
// RPC metadata through which the instrumentation learns the route for its metrics.
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const contextManager = new AsyncLocalStorageContextManager().enable();
const routesSeen: (string | undefined)[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  const app = createApp({
    logger: memoryLogger(),
    routes: [
      route({
        method: 'GET',
        path: '/api/orders/:id',
        params: z.object({ id: z.string() }),
        handler: async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          throw new TypeError('cannot read properties of undefined (reading "secret")');
        },
      }),
    ],
  });
  const tracer = trace.getTracer('test');
  server = createServer((req, res) => {
    tracer.startActiveSpan(`${req.method}`, (span) => {
      const metadata: RPCMetadata = { type: RPCType.HTTP, span };
      context.with(setRPCMetadata(context.active(), metadata), () => app.handle(req, res));
      res.on('finish', () => {
        routesSeen.push(metadata.route);
        span.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await provider.shutdown();
  trace.disable();
  context.disable();
});

beforeEach(() => {
  exporter.reset();
  routesSeen.length = 0;
});

it('a 500 carries the active trace id and no internals; the span records the error', async () => {
  const res = await request(`${url}/api/orders/o-1`);
  const text = await res.body.text();
  expect(res.statusCode).toBe(500);
  await expect.poll(() => exporter.getFinishedSpans().length).toBe(1);
  const [span] = exporter.getFinishedSpans();
  const body = JSON.parse(text);
  expect(body.traceId).toBe(span?.spanContext().traceId);
  expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(text).not.toContain('secret');
  expect(text).not.toContain('TypeError');
  expect(span?.status.code).toBe(2);
  expect(span?.attributes['error.type']).toBe('TypeError');
  expect(span?.events.map((e) => e.name)).toContain('exception');
});

it('names the span and the route by the template, not the path', async () => {
  const res = await request(`${url}/api/orders/o-2`);
  await res.body.dump();
  await expect.poll(() => exporter.getFinishedSpans().length).toBe(1);
  const [span] = exporter.getFinishedSpans();
  expect(span?.name).toBe('GET /api/orders/:id');
  expect(span?.attributes['http.route']).toBe('/api/orders/:id');
  expect(routesSeen).toEqual(['/api/orders/:id']);
});

it('4xx problems carry the trace id too', async () => {
  const res = await request(`${url}/api/unknown`);
  const body = (await res.body.json()) as { status: number; traceId?: string };
  expect(body.status).toBe(404);
  await expect.poll(() => exporter.getFinishedSpans().length).toBe(1);
  expect(body.traceId).toBe(exporter.getFinishedSpans()[0]?.spanContext().traceId);
  expect(exporter.getFinishedSpans()[0]?.name).toBe('GET');
});

it('answers with a traceresponse header naming the trace and span of the request', async () => {
  const res = await request(`${url}/api/orders/o-3`);
  await res.body.dump();
  await expect.poll(() => exporter.getFinishedSpans().length).toBe(1);
  const span = exporter.getFinishedSpans()[0]!.spanContext();
  expect(res.headers.traceresponse).toBe(`00-${span.traceId}-${span.spanId}-01`);
});
