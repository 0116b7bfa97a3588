import { randomBytes } from 'node:crypto';
import { eventually, testServers } from '@demo/infra';
import { type JsMsg, jetstream } from '@nats-io/jetstream';
import { context, metrics, propagation, type TextMapPropagator, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import { Bus, type BusLogger, defineEvent, defineStream } from '../src/index.js';

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * Registers an in-memory OpenTelemetry SDK for this test file (the SDK's default sampler,
 * parent-based always-on); `propagator` replaces the W3C trace-context propagator.
 */
export function installTelemetry(options: { propagator?: TextMapPropagator } = {}) {
  const spans = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
  );
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(options.propagator ?? new W3CTraceContextPropagator());
  const reader = new CollectingReader();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  return {
    spans,
    async collect(): Promise<ResourceMetrics> {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      return resourceMetrics;
    },
  };
}

export interface LogRecord {
  level: string;
  msg?: string;
  [key: string]: unknown;
}

/** A logger that keeps what it was told, to assert on log lines. */
export function captureLogger(
  records: LogRecord[] = [],
  bindings: Record<string, unknown> = {},
): BusLogger & { records: LogRecord[] } {
  const write = (level: string) => (obj: object, msg?: string) => {
    records.push({ level, msg, ...bindings, ...obj });
  };
  return {
    records,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => captureLogger(records, { ...bindings, ...more }),
  };
}

/** Subjects, a stream and a dead-letter stream of the suite's own, so suites run in parallel. */
export function suiteContracts(prefix = `t${randomBytes(5).toString('hex')}`) {
  const Item = z.object({ sku: z.string().min(1), quantity: z.number().int().positive() });
  const ThingHappened = defineEvent({
    subject: `${prefix}.thing-happened`,
    description: 'something happened to a thing',
    schema: z.object({ thingId: z.uuid(), n: z.number().int().nonnegative(), items: z.array(Item).min(1) }),
  });
  const OtherThing = defineEvent({
    subject: `${prefix}.other-thing`,
    schema: z.object({ thingId: z.uuid() }),
  });
  return {
    prefix,
    ThingHappened,
    OtherThing,
    stream: defineStream({ name: prefix.toUpperCase(), subjects: [`${prefix}.>`], storage: 'file' }),
    dlq: defineStream({ name: `${prefix.toUpperCase()}_DLQ`, subjects: [`dlq.${prefix}.>`] }),
  };
}

export async function connectBus(
  name: string,
  logger?: BusLogger,
  servers = testServers().natsUrl,
): Promise<Bus> {
  return Bus.connect({ name, servers, logger: logger ?? captureLogger() });
}

/** Reads every message in a stream (an ordered consumer from the start). */
export async function readStream(
  bus: Bus,
  stream: string,
  expected: number,
  timeoutMs = 10_000,
): Promise<JsMsg[]> {
  const js = jetstream(bus.nc);
  const consumer = await js.consumers.get(stream);
  const out: JsMsg[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < expected && Date.now() < deadline) {
    const msg = await consumer.next({ expires: 1_000 });
    if (msg) out.push(msg);
  }
  return out;
}

export { eventually };

export function thing(n = 1) {
  return { thingId: crypto.randomUUID(), n, items: [{ sku: 'SKU-1', quantity: 2 }] };
}
