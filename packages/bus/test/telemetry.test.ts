import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { testServers } from '@demo/infra';
import { jetstreamManager } from '@nats-io/jetstream';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/index.js';
import { connectBus, eventually, installTelemetry, readStream, suiteContracts, thing } from './helpers.js';

const run = promisify(execFile);
const otel = installTelemetry();

function metric(rm: ResourceMetrics, name: string) {
  return rm.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
}

describe('messaging telemetry', () => {
  const c = suiteContracts();
  let bus: Bus;

  beforeAll(async () => {
    bus = await connectBus('telemetry-test');
    await bus.provision([c.stream, c.dlq]);
  });
  afterAll(async () => {
    await bus.close(1_000);
    const other = await connectBus('telemetry-cleanup');
    const jsm = await jetstreamManager(other.nc);
    await jsm.streams.delete(c.stream.name);
    await jsm.streams.delete(c.dlq.name);
    await other.close();
  });

  it('continues the trace of a publisher in another process: the CONSUMER span is a child of the PRODUCER span', async () => {
    const processed: string[] = [];
    const sub = await bus.subscribe(c.OtherThing, (_d, ctx) => void processed.push(ctx.eventId), {
      durable: 'tracing',
    });
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@demo/source',
        fileURLToPath(new URL('./fixtures/publish-child.ts', import.meta.url)),
      ],
      { env: { ...process.env, SUITE_PREFIX: c.prefix, NATS_URL: testServers().natsUrl } },
    );
    const child = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      eventId: string;
      traceId: string;
      producerSpanId: string;
      producerKind: number;
      producerAttributes: Record<string, unknown>;
    };
    expect(child.producerKind).toBe(SpanKind.PRODUCER);
    expect(child.producerAttributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': c.OtherThing.subject,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.message.id': child.eventId,
    });

    await eventually(
      'processed',
      () => processed,
      (p) => p.includes(child.eventId),
    );
    await sub.stop(1_000);
    const span = otel.spans
      .getFinishedSpans()
      .find((s) => s.attributes['messaging.message.id'] === child.eventId);
    expect(span?.name).toBe(`process ${c.OtherThing.subject}`);
    expect(span?.kind).toBe(SpanKind.CONSUMER);
    expect(span?.spanContext().traceId).toBe(child.traceId);
    expect(span?.parentSpanContext?.spanId).toBe(child.producerSpanId);
    expect(span?.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': c.OtherThing.subject,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.consumer.group.name': 'tracing',
      'messaging.nats.message.delivery_count': 1,
    });
  });

  it('starts a new root trace for a message without trace context, and records handler errors as ERROR', async () => {
    const sub = await bus.subscribe(
      c.ThingHappened,
      () => {
        throw new Error('handler exploded');
      },
      { durable: 'errors', maxDeliver: 1 },
    );
    await bus.nc.publish(c.ThingHappened.subject, JSON.stringify(thing(5)));
    await readStream(bus, c.dlq.name, 1);
    await sub.stop(1_000);
    const span = otel.spans
      .getFinishedSpans()
      .find(
        (s) =>
          s.name === `process ${c.ThingHappened.subject}` &&
          s.attributes['messaging.consumer.group.name'] === 'errors',
      );
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('Error');
    expect(span?.events.map((e) => e.name)).toEqual(expect.arrayContaining(['exception', 'dead-lettered']));
  });

  it('counts sent, consumed and dead-lettered messages, times publish and process, and gauges consumer backlog', async () => {
    await trace.getTracer('test').startActiveSpan('request', async (span) => {
      for (let i = 0; i < 3; i++) await bus.publish(c.ThingHappened, thing(i));
      span.end();
    });
    let seen = 0;
    const sub = await bus.subscribe(
      c.ThingHappened,
      () => {
        seen += 1;
      },
      { durable: 'metrics' },
    );
    await eventually(
      'consumed',
      () => seen,
      (n) => n >= 3,
    );
    const rm = await otel.collect();
    await sub.stop(1_000);

    const sent = metric(rm, 'messaging.client.sent.messages');
    const sentPoint = sent?.dataPoints.find(
      (p) => p.attributes['messaging.destination.name'] === c.ThingHappened.subject,
    );
    expect(sentPoint?.value).toBe(3);
    expect(sentPoint?.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.operation.name': 'send',
    });

    const consumed = metric(rm, 'messaging.client.consumed.messages');
    const consumedPoint = consumed?.dataPoints.find(
      (p) => p.attributes['messaging.consumer.group.name'] === 'metrics',
    );
    expect(consumedPoint?.value).toBeGreaterThanOrEqual(3);

    expect(metric(rm, 'messaging.client.operation.duration')?.descriptor.unit).toBe('s');
    expect(metric(rm, 'messaging.process.duration')?.descriptor.unit).toBe('s');
    const dead = metric(rm, 'demo.bus.dead_letters')?.dataPoints.find(
      (p) => p.attributes['dlq.reason'] === 'handler_failed',
    );
    expect(dead?.value).toBe(1);
    const pending = metric(rm, 'demo.bus.consumer.pending')?.dataPoints.find(
      (p) => p.attributes['messaging.consumer.group.name'] === 'metrics',
    );
    expect(pending?.value).toBe(0);
    expect(metric(rm, 'demo.bus.consumer.ack_pending')).toBeDefined();
    // DLQ depth: the dead letter of the first test, by original subject.
    const depth = metric(rm, 'demo.bus.dlq.messages')?.dataPoints.find(
      (p) => p.attributes['messaging.destination.name'] === c.ThingHappened.subject,
    );
    expect(depth?.value).toBe(1);
    expect(depth?.attributes['messaging.nats.stream.name']).toBe(c.dlq.name);
  });
});
