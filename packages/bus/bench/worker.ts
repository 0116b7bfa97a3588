/**
 * One benchmark run in a process of its own (so each tracing setup starts clean):
 * publishes N messages then consumes them, with the SDK or with raw @nats-io/jetstream.
 * Prints one JSON line with the figures.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import { Bus, defineEvent, defineStream, silentLogger } from '../src/index.js';

/** `raw`: JSON and a msg id only; `raw-ce`: also the CloudEvents headers the wire format asks for. */
export type Mode = 'raw' | 'raw-ce' | 'sdk-off' | 'sdk-unsampled' | 'sdk-sampled';

const mode = process.env.BENCH_MODE as Mode;
const count = Number(process.env.BENCH_COUNT ?? 100_000);
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const window = Number(process.env.BENCH_WINDOW ?? 256);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
/**
 * `BENCH_WARMUP=<n>`: n messages published before the timed publish, untimed, to a subject the
 * consume phase does not read, the same way in every mode, so the figures are of a process whose
 * code the JIT has compiled (as in a service that has been running) rather than of its first
 * messages. Default 0: the timed messages are the process's first.
 */
const warmup = Number(process.env.BENCH_WARMUP ?? 0);
const prefix = `bench${randomBytes(4).toString('hex')}`;
/** With `BENCH_PROFILE=<dir>`: a CPU profile of each phase, `<dir>/<mode>-<phase>.cpuprofile`. */
const profileDir = process.env.BENCH_PROFILE;

/** Runs one phase, under the inspector's CPU profiler when `BENCH_PROFILE` is set. */
async function phase<T>(name: 'publish' | 'consume', fn: () => Promise<T>): Promise<T> {
  if (!profileDir) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(join(profileDir, `${mode}-${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

const sampleSchema = z.object({
  id: z.uuid(),
  seq: z.number().int().nonnegative(),
  note: z.string(),
  at: z.iso.datetime(),
});
const Sample = defineEvent({ subject: `${prefix}.sample`, schema: sampleSchema });
/** Where the warm-up messages go: same stream, a subject the consumer does not read. */
const Warmup = defineEvent({ subject: `${prefix}.warmup`, schema: sampleSchema });
const stream = defineStream({ name: prefix.toUpperCase(), subjects: [`${prefix}.>`], storage: 'file' });

/** About 256 bytes of JSON, like a typical event. */
function payload(seq: number) {
  return { id: randomUUID(), seq, note: 'x'.repeat(150), at: new Date().toISOString() };
}

function setupTracing(): TracerProvider | undefined {
  if (mode === 'raw' || mode === 'raw-ce' || mode === 'sdk-off') return undefined;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bus-bench' }),
    sampler: mode === 'sdk-sampled' ? new AlwaysOnSampler() : new AlwaysOffSampler(),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${process.env.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` }),
        maxQueueSize: 16_384,
        maxExportBatchSize: 1_024,
        scheduledDelayMillis: 200,
      }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return provider;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Keeps `window` publishes in flight; records each one's latency until its ack. */
async function publishAll(publishOne: (seq: number) => Promise<unknown>, n = count) {
  const count = n;
  const latencies = new Float64Array(count);
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const seq = next++;
      const t0 = performance.now();
      await publishOne(seq);
      latencies[seq] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  return { rate: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function runSdk() {
  const provider = setupTracing();
  const bus = await Bus.connect({ name: 'bench', servers: natsUrl, logger: silentLogger });
  await bus.provision([stream]);
  const tracer = trace.getTracer('bench');
  const publishTo = (event: typeof Sample) => (seq: number) =>
    // Each publish inside a request-like span, as a service would do.
    tracer.startActiveSpan('request', async (span) => {
      try {
        return await bus.publish(event, payload(seq));
      } finally {
        span.end();
      }
    });
  if (warmup > 0) await publishAll(publishTo(Warmup), warmup);
  const publish = await phase('publish', () => publishAll(publishTo(Sample)));
  let consumed = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const consumeRate = await phase('consume', async () => {
    const started = performance.now();
    await bus.subscribe(
      Sample,
      () => {
        consumed += 1;
        if (consumed === count) resolveDone();
      },
      { durable: 'bench', concurrency, maxAckPending: concurrency * 4 },
    );
    await done;
    return count / ((performance.now() - started) / 1000);
  });
  await bus.close();
  await provider?.forceFlush();
  await provider?.shutdown();
  return { publish, consumeRate };
}

async function runRaw() {
  const nc = await connect({ servers: natsUrl, name: 'bench-raw' });
  const jsm = await jetstreamManager(nc);
  const { toStreamConfig } = await import('../src/index.js');
  await jsm.streams.add(toStreamConfig(stream));
  const js = jetstream(nc);
  const withHeaders = mode === 'raw-ce';
  const publishTo = (event: typeof Sample) => (seq: number) => {
    const id = randomUUID();
    if (!withHeaders) return js.publish(event.subject, JSON.stringify(payload(seq)), { msgID: id });
    const h = headers();
    h.set('ce-specversion', '1.0');
    h.set('ce-id', id);
    h.set('ce-source', '/bench');
    h.set('ce-type', event.type);
    h.set('ce-time', new Date().toISOString());
    h.set('content-type', 'application/json');
    return js.publish(event.subject, JSON.stringify(payload(seq)), { msgID: id, headers: h });
  };
  if (warmup > 0) await publishAll(publishTo(Warmup), warmup);
  const publish = await phase('publish', () => publishAll(publishTo(Sample)));
  await jsm.consumers.add(stream.name, {
    durable_name: 'bench',
    filter_subject: Sample.subject,
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: concurrency * 4,
  });
  const consumer = await js.consumers.get(stream.name, 'bench');
  const consumeRate = await phase('consume', async () => {
    const started = performance.now();
    const messages = await consumer.consume({ max_messages: concurrency * 2 });
    let consumed = 0;
    for await (const msg of messages) {
      msg.json<unknown>();
      msg.ack();
      consumed += 1;
      if (consumed === count) break;
    }
    const rate = count / ((performance.now() - started) / 1000);
    await messages.close();
    return rate;
  });
  await nc.drain();
  return { publish, consumeRate };
}

const result = mode === 'raw' || mode === 'raw-ce' ? await runRaw() : await runSdk();
// Clean up the stream: a benchmark leaves nothing behind.
const nc = await connect({ servers: natsUrl });
await (await jetstreamManager(nc)).streams.delete(stream.name);
await nc.close();
process.stdout.write(
  `${JSON.stringify({
    mode,
    count,
    publishRate: result.publish.rate,
    publishP50Ms: result.publish.p50,
    publishP99Ms: result.publish.p99,
    consumeRate: result.consumeRate,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
