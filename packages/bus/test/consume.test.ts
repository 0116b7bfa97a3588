import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { binaries, testServers } from '@demo/infra';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, MessageContext } from '../src/index.js';
import { captureLogger, connectBus, eventually, readStream, suiteContracts, thing } from './helpers.js';

const run = promisify(execFile);

describe('subscribe', () => {
  const c = suiteContracts();
  const logger = captureLogger();
  let bus: Bus;

  beforeAll(async () => {
    bus = await connectBus('consume-test', logger);
    await bus.provision([c.stream, c.dlq]);
  });
  afterAll(async () => {
    await bus.close(1_000);
    const jsm = await jetstreamManager((await connectBus('cleanup')).nc);
    await jsm.streams.delete(c.stream.name);
    await jsm.streams.delete(c.dlq.name);
  });

  it('retries a failing handler with the configured backoff, then dead-letters it with the reason', async () => {
    const attempts: Array<{ at: number; delivery: number }> = [];
    const sub = await bus.subscribe(
      c.OtherThing,
      (_data, ctx) => {
        attempts.push({ at: Date.now(), delivery: ctx.deliveryCount });
        throw new Error(`boom #${ctx.deliveryCount}`);
      },
      { durable: 'retry', maxDeliver: 3, backoffMs: [300, 900] },
    );
    const ack = await bus.publish(c.OtherThing, { thingId: crypto.randomUUID() });
    const [dead] = await readStream(bus, c.dlq.name, 1, 15_000);
    await sub.stop(1_000);

    expect(attempts.map((a) => a.delivery)).toEqual([1, 2, 3]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(250);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(800);
    expect(dead?.subject).toBe(`dlq.${c.OtherThing.subject}`);
    const h = dead!.headers!;
    expect(h.get('dlq-reason')).toBe('handler_failed');
    expect(h.get('dlq-error')).toBe('boom #3');
    expect(h.get('dlq-delivery-count')).toBe('3');
    expect(h.get('dlq-consumer')).toBe('retry');
    expect(h.get('ce-id')).toBe(ack.id);
    expect(h.get('ce-type')).toBe(c.OtherThing.type);
    expect(logger.records.some((r) => r.msg === 'message dead-lettered' && r.eventId === ack.id)).toBe(true);
  });

  it('dead-letters poison payloads at once: invalid JSON, schema violation, raw text from `nats pub`', async () => {
    const seen: string[] = [];
    const sub = await bus.subscribe(c.ThingHappened, (d) => void seen.push(d.thingId), {
      durable: 'poison',
      maxDeliver: 5,
    });
    const js = jetstream(bus.nc);
    await js.publish(c.ThingHappened.subject, '{"thingId": ', { msgID: crypto.randomUUID() });
    await js.publish(c.ThingHappened.subject, JSON.stringify({ thingId: 'nope', n: 1, items: [] }), {
      headers: (() => {
        const h = headers();
        h.set('ce-id', 'schema-bad');
        return h;
      })(),
    });
    await run(binaries().natsCli, [
      '-s',
      testServers().natsUrl,
      'pub',
      c.ThingHappened.subject,
      'hello there',
    ]);

    const dead = await readStream(bus, c.dlq.name, 4, 15_000);
    await sub.stop(1_000);
    const mine = dead.filter((m) => m.subject === `dlq.${c.ThingHappened.subject}`);
    expect(mine.map((m) => m.headers?.get('dlq-reason'))).toEqual([
      'unparseable',
      'schema_invalid',
      'unparseable',
    ]);
    expect(mine.every((m) => m.headers?.get('dlq-delivery-count') === '1')).toBe(true);
    expect(mine[1]!.headers!.get('dlq-error')).toMatch(/thingId/);
    expect(mine[1]!.headers!.get('ce-id')).toBe('schema-bad');
    expect(mine[2]!.string()).toBe('hello there');
    expect(seen).toEqual([]);
  });

  it('processes raw JSON from `nats pub` (no headers) with the stream sequence as identity', async () => {
    const received: MessageContext[] = [];
    const sub = await bus.subscribe(c.ThingHappened, (_d, ctx) => void received.push(ctx), {
      durable: 'raw',
    });
    const data = thing(3);
    await run(binaries().natsCli, [
      '-s',
      testServers().natsUrl,
      'pub',
      c.ThingHappened.subject,
      JSON.stringify(data),
    ]);
    await eventually(
      'raw message',
      () => received.filter((r) => !r.headers['ce-id']).length,
      (n) => n === 1,
    );
    await sub.stop(1_000);
    const raw = received.find((r) => !r.headers['ce-id'])!;
    expect(raw.eventId).toBe(`${c.stream.name}:${raw.streamSequence}`);
    expect(raw.deliveryCount).toBe(1);
    expect(Math.abs(raw.time.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('never runs more handlers at once than its concurrency', async () => {
    let running = 0;
    let peak = 0;
    let done = 0;
    const sub = await bus.subscribe(
      c.OtherThing,
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running -= 1;
        done += 1;
      },
      { durable: 'bounded', concurrency: 4 },
    );
    await Promise.all(
      Array.from({ length: 60 }, () => bus.publish(c.OtherThing, { thingId: crypto.randomUUID() })),
    );
    await eventually(
      'all processed',
      () => done,
      (n) => n >= 60,
    );
    await sub.stop(1_000);
    expect(peak).toBe(4);
  });

  it('keeps a long handler alive past ackWait: no redelivery while it works', async () => {
    const own = suiteContracts();
    await bus.provision([own.stream]);
    const deliveries: number[] = [];
    let finished = 0;
    const sub = await bus.subscribe(
      own.OtherThing,
      async (_d, ctx) => {
        deliveries.push(ctx.deliveryCount);
        await new Promise((r) => setTimeout(r, 4_500));
        finished += 1;
      },
      { durable: 'long', ackWaitMs: 1_500, concurrency: 1 },
    );
    await bus.publish(own.OtherThing, { thingId: crypto.randomUUID() });
    await eventually(
      'processed',
      () => finished,
      (n) => n === 1,
      10_000,
    );
    const consumer = await jetstream(bus.nc).consumers.get(own.stream.name, 'long');
    await eventually(
      'acked',
      async () => (await consumer.info()).num_ack_pending,
      (n) => n === 0,
    );
    await sub.stop(1_000);
    expect(deliveries).toEqual([1]);
    expect((await consumer.info()).num_redelivered).toBe(0);
    await (await jetstreamManager(bus.nc)).streams.delete(own.stream.name);
  });
});
