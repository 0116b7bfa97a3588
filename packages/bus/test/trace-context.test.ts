import { randomBytes } from 'node:crypto';
import { testServers } from '@demo/infra';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import {
  CompositePropagator,
  TraceState,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Bus, type EventContract } from '../src/index.js';
import { captureLogger, eventually, installTelemetry, readStream, suiteContracts, thing } from './helpers.js';

const otel = installTelemetry({
  propagator: new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  }),
});

/** What a handler saw of the active context, and the trace headers of what it published. */
interface Hop {
  active?: SpanContext;
  baggage?: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A remote parent as an unsampled upstream would send it: trace state and baggage included. */
function unsampledParent(): { parent: Context; traceId: string; spanId: string } {
  const traceId = hex(16);
  const spanId = hex(8);
  const withSpan = trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId,
    traceFlags: TraceFlags.NONE,
    isRemote: true,
    traceState: new TraceState('vendor=abc,other=1'),
  });
  const parent = propagation.setBaggage(
    withSpan,
    propagation.createBaggage({ 'app.tenant': { value: 'tenant-7' } }),
  );
  return { parent, traceId, spanId };
}

function spansOf(event: EventContract) {
  return otel.spans
    .getFinishedSpans()
    .filter((s) => s.name === `send ${event.subject}` || s.name === `process ${event.subject}`);
}

describe('trace context across hops', () => {
  let bus: Bus;
  let spanBus: Bus;
  /** Each test has subjects and a stream of its own: what one publishes, another does not consume. */
  let c: ReturnType<typeof suiteContracts>;

  beforeAll(async () => {
    bus = await Bus.connect({
      name: 'trace-context-test',
      servers: testServers().natsUrl,
      logger: captureLogger(),
    });
    spanBus = await Bus.connect({
      name: 'trace-context-span-test',
      servers: testServers().natsUrl,
      logger: captureLogger(),
      unsampledParents: 'span',
    });
  });
  beforeEach(async () => {
    c = suiteContracts();
    await bus.provision([c.stream]);
  });
  afterEach(async () => {
    await (await jetstreamManager(bus.nc)).streams.delete(c.stream.name);
  });
  afterAll(async () => {
    await spanBus.close(1_000);
    await bus.close(1_000);
  });

  /** Subscribes a handler that records its context and publishes the next hop (OtherThing). */
  async function relayHop(durable: string, hops: Hop[]) {
    return bus.subscribe(
      c.ThingHappened,
      async (data) => {
        hops.push({
          active: trace.getSpanContext(context.active()),
          baggage: propagation.getActiveBaggage()?.getEntry('app.tenant')?.value,
        });
        await bus.publish(c.OtherThing, { thingId: data.thingId });
      },
      { durable },
    );
  }

  it('forwards an unsampled parent unchanged through every hop: no spans, same traceparent (sampled 0), tracestate and baggage', async () => {
    const { parent, traceId, spanId } = unsampledParent();
    const hops: Hop[] = [];
    const sub = await relayHop('unsampled', hops);
    const first = await bus.publish(c.ThingHappened, thing(1), { parent });
    await eventually(
      'relayed',
      () => hops.length,
      (n) => n === 1,
    );
    await sub.stop(1_000);

    // The handler ran in the upstream context: its logs and client spans join that trace.
    expect(hops[0]?.active).toMatchObject({ traceId, spanId, traceFlags: TraceFlags.NONE });
    expect(hops[0]?.baggage).toBe('tenant-7');

    const messages = await readStream(bus, c.stream.name, 2);
    expect(messages.map((m) => m.subject)).toEqual([c.ThingHappened.subject, c.OtherThing.subject]);
    for (const msg of messages) {
      expect(msg.headers?.get('traceparent')).toBe(`00-${traceId}-${spanId}-00`);
      expect(msg.headers?.get('tracestate')).toBe('vendor=abc,other=1');
      expect(msg.headers?.get('baggage')).toBe('app.tenant=tenant-7');
    }
    expect(messages[0]?.headers?.get('ce-id')).toBe(first.id);
    expect(spansOf(c.ThingHappened)).toEqual([]);
    expect(spansOf(c.OtherThing)).toEqual([]);

    // Metrics do not depend on sampling.
    const rm = await otel.collect();
    const sent = rm.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'messaging.client.sent.messages')
      ?.dataPoints.find((p) => p.attributes['messaging.destination.name'] === c.OtherThing.subject);
    expect(sent?.value).toBe(1);
  });

  it('gives a sampled parent a PRODUCER span, a CONSUMER child of it, and the next hop a PRODUCER child of that (sampled 1)', async () => {
    const hops: Hop[] = [];
    const sub = await relayHop('sampled', hops);
    const { requestSpan, ack } = await trace.getTracer('test').startActiveSpan('request', async (span) => {
      const published = await bus.publish(c.ThingHappened, thing(2));
      span.end();
      return { requestSpan: span.spanContext(), ack: published };
    });
    await eventually(
      'relayed',
      () => hops.length,
      (n) => n === 1,
    );
    await sub.stop(1_000);
    const byId = (event: EventContract, kind: SpanKind) =>
      spansOf(event).find((s) => s.kind === kind && s.spanContext().traceId === requestSpan.traceId);
    await eventually(
      'spans',
      () => byId(c.OtherThing, SpanKind.PRODUCER),
      (s) => s !== undefined,
    );
    const send = byId(c.ThingHappened, SpanKind.PRODUCER);
    const processSpan = byId(c.ThingHappened, SpanKind.CONSUMER);
    const next = byId(c.OtherThing, SpanKind.PRODUCER);
    expect(send?.parentSpanContext?.spanId).toBe(requestSpan.spanId);
    expect(send?.attributes['messaging.message.id']).toBe(ack.id);
    expect(processSpan?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    expect(processSpan?.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'sampled',
      'messaging.message.id': ack.id,
    });
    expect(hops[0]?.active?.spanId).toBe(processSpan?.spanContext().spanId);
    expect(next?.parentSpanContext?.spanId).toBe(processSpan?.spanContext().spanId);

    const messages = await readStream(bus, c.stream.name, 2);
    const wire = messages.map((m) => m.headers?.get('traceparent'));
    expect(wire).toEqual([
      `00-${requestSpan.traceId}-${send?.spanContext().spanId}-01`,
      `00-${requestSpan.traceId}-${next?.spanContext().spanId}-01`,
    ]);
  });

  it("with unsampledParents: 'span', asks the sampler: a new span id goes on the wire, still unsampled", async () => {
    const { parent, traceId, spanId } = unsampledParent();
    await spanBus.publish(c.OtherThing, { thingId: crypto.randomUUID() }, { parent });
    const [msg] = await readStream(bus, c.stream.name, 1);
    const [, wireTrace, wireSpan, flags] = msg?.headers?.get('traceparent').split('-') ?? [];
    expect(wireTrace).toBe(traceId);
    expect(wireSpan).toMatch(/^[0-9a-f]{16}$/);
    expect(wireSpan).not.toBe(spanId);
    expect(flags).toBe('00');
    expect(msg?.headers?.get('tracestate')).toBe('vendor=abc,other=1');
    expect(msg?.headers?.get('baggage')).toBe('app.tenant=tenant-7');
  });
});
