import { type Attributes, context, createNoopMeter, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { z } from 'zod';
import { route } from '../src/index.js';
import { memoryLogger, type Started, start } from './helpers.js';

// A real tracer provider and a meter that keeps what is recorded: what createHttpServer makes of
// each request through the OpenTelemetry API, with no HTTP instrumentation in the process.
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const recorded: Array<{ name: string; value: number; attributes: Attributes | undefined }> = [];
let app: Started;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const meter = createNoopMeter();
  meter.createHistogram = (name) => ({
    record: (value, attributes) => recorded.push({ name, value, attributes }),
  });
  metrics.setGlobalMeterProvider({ getMeter: () => meter });
  app = await start({
    logger: memoryLogger(),
    routes: [
      route({
        method: 'GET',
        path: '/api/things/:id',
        params: z.object({ id: z.string() }),
        handler: ({ params }) => {
          if (params.id === 'boom') throw new Error('boom');
          return {
            status: 200,
            body: { id: params.id, traceId: trace.getActiveSpan()?.spanContext().traceId },
          };
        },
      }),
    ],
  });
});

afterAll(async () => {
  await app.http.close({ timeoutMs: 1000 });
  await provider.shutdown();
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
});

beforeEach(() => {
  exporter.reset();
  recorded.length = 0;
});

const PARENT = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };

it('makes one server span per request, continuing the caller’s trace, named by the route', async () => {
  const res = await request(`${app.url}/api/things/a1?limit=5`, {
    headers: { traceparent: `00-${PARENT.traceId}-${PARENT.spanId}-01`, 'user-agent': 'test-agent' },
  });
  const body = (await res.body.json()) as { traceId: string };
  await expect.poll(() => exporter.getFinishedSpans().length).toBe(1);
  const [span] = exporter.getFinishedSpans();
  expect(body.traceId).toBe(PARENT.traceId);
  expect(span?.spanContext().traceId).toBe(PARENT.traceId);
  expect(span?.parentSpanContext?.spanId).toBe(PARENT.spanId);
  expect(span?.kind).toBe(1); // SERVER
  expect(span?.name).toBe('GET /api/things/:id');
  expect(span?.instrumentationScope.name).toBe('@demo/http');
  expect(span?.attributes).toMatchObject({
    'http.request.method': 'GET',
    'http.route': '/api/things/:id',
    'http.response.status_code': 200,
    'url.path': '/api/things/a1',
    'url.query': 'limit=5',
    'url.scheme': 'http',
    'server.address': '127.0.0.1',
    'client.address': '127.0.0.1',
    'user_agent.original': 'test-agent',
  });
  expect(span?.status.code).toBe(0);
  await expect.poll(() => recorded.length).toBe(1);
  expect(recorded[0]?.name).toBe('http.server.request.duration');
  expect(recorded[0]?.value).toBeGreaterThan(0);
  expect(recorded[0]?.value).toBeLessThan(5);
  expect(recorded[0]?.attributes).toEqual({
    'http.request.method': 'GET',
    'url.scheme': 'http',
    'network.protocol.version': '1.1',
    'http.route': '/api/things/:id',
    'http.response.status_code': 200,
  });
});

it('marks a 5xx as an error on the span and in the metric', async () => {
  const res = await request(`${app.url}/api/things/boom`);
  await res.body.dump();
  expect(res.statusCode).toBe(500);
  await expect.poll(() => exporter.getFinishedSpans().length).toBe(1);
  const [span] = exporter.getFinishedSpans();
  expect(span?.status.code).toBe(2); // ERROR
  expect(span?.attributes['error.type']).toBe('500');
  expect(span?.events.map((e) => e.name)).toContain('exception');
  await expect.poll(() => recorded.length).toBe(1);
  expect(recorded[0]?.attributes).toMatchObject({ 'http.response.status_code': 500, 'error.type': '500' });
});

it('an unmatched path has no route, and a 404 is not an error', async () => {
  const res = await request(`${app.url}/nope`);
  await res.body.dump();
  await expect.poll(() => exporter.getFinishedSpans().length).toBe(1);
  const [span] = exporter.getFinishedSpans();
  expect(span?.name).toBe('GET');
  expect(span?.status.code).toBe(0);
  expect(span?.attributes).not.toHaveProperty('http.route');
  expect(span?.attributes).not.toHaveProperty('error.type');
});

it('makes no span and no metric of probes', async () => {
  for (const path of ['/health', '/ready?verbose=1']) {
    const res = await request(`${app.url}${path}`);
    await res.body.dump();
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(exporter.getFinishedSpans()).toEqual([]);
  expect(recorded).toEqual([]);
});
