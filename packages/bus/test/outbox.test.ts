import { jetstreamManager } from '@nats-io/jetstream';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  captureTraceContext,
  OutboxRelay,
  type OutboxStore,
  type PendingEvent,
} from '../src/index.js';
import {
  captureLogger,
  connectBus,
  eventually,
  installTelemetry,
  readStream,
  suiteContracts,
} from './helpers.js';

const otel = installTelemetry();

/** The relay's storage contract, kept in memory: services implement it on PostgreSQL and MongoDB. */
class MemoryOutbox implements OutboxStore {
  readonly rows: Array<PendingEvent & { publishedAt?: Date }> = [];
  async pending(limit: number) {
    return this.rows.filter((r) => !r.publishedAt).slice(0, limit);
  }
  async markPublished(ids: readonly string[]) {
    for (const row of this.rows) if (ids.includes(row.id)) row.publishedAt = new Date();
  }
  async backlog() {
    return this.rows.filter((r) => !r.publishedAt).length;
  }
  add(subject: string, data: unknown, traceContext: Record<string, string> = {}) {
    const row = { id: crypto.randomUUID(), subject, data, traceContext };
    this.rows.push(row);
    return row;
  }
}

describe('outbox relay', () => {
  const c = suiteContracts();
  let bus: Bus;
  const logger = captureLogger();

  beforeAll(async () => {
    bus = await connectBus('outbox-test', logger);
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(bus.nc);
    await jsm.streams.delete(c.stream.name).catch(() => false);
    await bus.close();
  });

  it('keeps rows pending while publishing fails, then sweeps them once it can, in order', async () => {
    const store = new MemoryOutbox();
    store.add(c.OtherThing.subject, { thingId: crypto.randomUUID() });
    store.add(c.OtherThing.subject, { thingId: crypto.randomUUID() });
    const relay = new OutboxRelay({
      publisher: bus,
      store,
      contracts: [c.OtherThing],
      logger,
      sweepIntervalMs: 200,
    });
    relay.start();
    await eventually(
      'a failed attempt logged',
      () => logger.records.filter((r) => r.msg === 'outbox publish failed; will retry').length,
      (n) => n > 0,
    );
    expect(await store.backlog()).toBe(2);

    await bus.provision([c.stream]);
    await eventually(
      'swept',
      () => store.backlog(),
      (n) => n === 0,
      5_000,
    );
    await relay.stop();
    const stored = await readStream(bus, c.stream.name, 2);
    expect(stored.map((m) => m.headers?.get('Nats-Msg-Id'))).toEqual(store.rows.map((r) => r.id));
  });

  it('publishes promptly on notify, continues the stored trace, and counts a duplicate as published', async () => {
    await bus.provision([c.stream]);
    const store = new MemoryOutbox();
    const relay = new OutboxRelay({
      publisher: bus,
      store,
      contracts: [c.OtherThing],
      logger,
      sweepIntervalMs: 60_000,
    });
    relay.start();

    // The request that wrote the row: its span context is stored with the row.
    const { row, requestSpan } = trace.getTracer('test').startActiveSpan('POST /things', (span) => {
      const added = store.add(c.OtherThing.subject, { thingId: crypto.randomUUID() }, captureTraceContext());
      span.end();
      return { row: added, requestSpan: span.spanContext() };
    });
    expect(row.traceContext.traceparent).toContain(requestSpan.traceId);
    const started = Date.now();
    relay.notify();
    await eventually(
      'published',
      () => store.backlog(),
      (n) => n === 0,
      2_000,
    );
    expect(Date.now() - started).toBeLessThan(1_000);

    const send = otel.spans.getFinishedSpans().find((s) => s.attributes['messaging.message.id'] === row.id);
    expect(send?.name).toBe(`send ${c.OtherThing.subject}`);
    expect(send?.spanContext().traceId).toBe(requestSpan.traceId);
    expect(send?.parentSpanContext?.spanId).toBe(requestSpan.spanId);

    // A crash after publish but before marking: the row comes back; JetStream reports a duplicate.
    const again = { ...row, publishedAt: undefined };
    store.rows.push(again);
    const before = relay.publishedCount;
    relay.notify();
    await eventually(
      're-marked',
      () => store.backlog(),
      (n) => n === 0,
      2_000,
    );
    expect(relay.publishedCount).toBe(before + 1);
    const jsm = await jetstreamManager(bus.nc);
    const messages = (await jsm.streams.info(c.stream.name)).state.messages;
    const ids = (await readStream(bus, c.stream.name, messages)).map((m) => m.headers?.get('Nats-Msg-Id'));
    expect(ids.filter((id) => id === row.id)).toHaveLength(1);
    await relay.stop();
  });

  it('leaves a row that fails its schema pending and says so', async () => {
    await bus.provision([c.stream]);
    const store = new MemoryOutbox();
    const bad = store.add(c.OtherThing.subject, { thingId: 'not-a-uuid' });
    const relay = new OutboxRelay({
      publisher: bus,
      store,
      contracts: [c.OtherThing],
      logger,
      sweepIntervalMs: 60_000,
    });
    relay.start();
    await eventually(
      'error logged',
      () =>
        logger.records.some(
          (r) => r.msg === 'outbox row fails its schema; left pending' && r.eventId === bad.id,
        ),
      Boolean,
    );
    await relay.stop();
    expect(await store.backlog()).toBe(1);
  });
});
