import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Bus, BusError, defineEvent, PublishTimeoutError } from '../src/index.js';
import { connectBus, suiteContracts } from './helpers.js';

describe('pipelined publish', () => {
  const c = suiteContracts();
  let bus: Bus;

  beforeAll(async () => {
    bus = await connectBus('pipeline-test');
    await bus.provision([c.stream, c.dlq]);
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(bus.nc);
    await jsm.streams.delete(c.stream.name);
    await jsm.streams.delete(c.dlq.name);
    await bus.close();
  });

  it('keeps many publishes in flight, each with its own ack, stored in the order sent', async () => {
    const ids = Array.from({ length: 500 }, () => randomUUID());
    const acks = await Promise.all(ids.map((id) => bus.publish(c.OtherThing, { thingId: id }, { id })));
    expect(acks.map((a) => a.id)).toEqual(ids);
    expect(acks.every((a) => a.duplicate === false && a.stream === c.stream.name)).toBe(true);
    const seqs = acks.map((a) => a.seq);
    expect(new Set(seqs).size).toBe(ids.length);
    // One connection keeps the order of its publishes: the sequences increase with the calls.
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const jsm = await jetstreamManager(bus.nc);
    const last = await jsm.streams.getMessage(c.stream.name, { seq: seqs.at(-1) as number });
    expect(last?.header.get('Nats-Msg-Id')).toBe(ids.at(-1));
  });

  it('reports duplicates per message inside a pipelined batch', async () => {
    const id = randomUUID();
    const fresh = randomUUID();
    const [first, again, other] = await Promise.all([
      bus.publish(c.OtherThing, { thingId: id }, { id }),
      bus.publish(c.OtherThing, { thingId: id }, { id }),
      bus.publish(c.OtherThing, { thingId: fresh }, { id: fresh }),
    ]);
    expect(first).toMatchObject({ id, duplicate: false });
    expect(again).toMatchObject({ id, duplicate: true, seq: first?.seq });
    expect(other).toMatchObject({ id: fresh, duplicate: false });
  });

  it('times out only the publishes whose ack does not come, with a typed error', async () => {
    // A plain subscriber on a subject no stream captures: the publish is received and never acknowledged.
    const silentSubject = `${c.prefix}x.silent`;
    const silent = bus.nc.subscribe(silentSubject, { callback: () => {} });
    await bus.nc.flush();
    const Silent = defineEvent({ subject: silentSubject, schema: z.object({ a: z.string() }) });
    const started = Date.now();
    const [lost, kept] = await Promise.allSettled([
      bus.publish(Silent, { a: 'x' }, { timeoutMs: 300 }),
      bus.publish(c.OtherThing, { thingId: randomUUID() }, { timeoutMs: 300 }),
    ]);
    silent.unsubscribe();
    expect(lost.status).toBe('rejected');
    const error = (lost as PromiseRejectedResult).reason as unknown;
    expect(error).toBeInstanceOf(PublishTimeoutError);
    expect(error).toMatchObject({ code: 'PUBLISH_TIMEOUT', subject: silentSubject, timeoutMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(kept.status).toBe('fulfilled');
  });

  it('turns a JetStream refusal into a typed error for that message only', async () => {
    const jsm = await jetstreamManager(bus.nc);
    const name = `${c.prefix.toUpperCase()}_TINY`;
    const subject = `${c.prefix}tiny.event`;
    await jsm.streams.add({ name, subjects: [subject], max_msg_size: 1024 });
    const Tiny = defineEvent({ subject, schema: z.object({ a: z.string() }) });
    try {
      const [big, small] = await Promise.allSettled([
        bus.publish(Tiny, { a: 'x'.repeat(2_000) }),
        bus.publish(Tiny, { a: 'y' }),
      ]);
      expect(big.status).toBe('rejected');
      const error = (big as PromiseRejectedResult).reason as unknown;
      expect(error).toBeInstanceOf(BusError);
      expect(error).toMatchObject({ code: 'PUBLISH_FAILED', context: expect.objectContaining({ subject }) });
      expect(small).toMatchObject({ status: 'fulfilled', value: { stream: name, duplicate: false } });
    } finally {
      await jsm.streams.delete(name);
    }
  });
});
