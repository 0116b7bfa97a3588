import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type Bus,
  ConnectionClosedError,
  defineEvent,
  type EventData,
  InvalidEventDataError,
  NoStreamError,
} from '../src/index.js';
import { connectBus, eventually, readStream, suiteContracts, thing } from './helpers.js';

describe('publish', () => {
  const c = suiteContracts();
  let bus: Bus;

  beforeAll(async () => {
    bus = await connectBus('publish-test');
    await bus.provision([c.stream, c.dlq]);
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(bus.nc);
    await jsm.streams.delete(c.stream.name);
    await jsm.streams.delete(c.dlq.name);
    await bus.close();
  });

  it('round-trips typed data with CloudEvents headers and the JetStream ack', async () => {
    const data = thing(7);
    const received: Array<{
      data: EventData<typeof c.ThingHappened>;
      eventId: string;
      type: string | undefined;
    }> = [];
    const sub = await bus.subscribe(
      c.ThingHappened,
      (d, ctx) => {
        expectTypeOf(d.items[0]!.quantity).toEqualTypeOf<number>();
        received.push({ data: d, eventId: ctx.eventId, type: ctx.headers['ce-type'] });
      },
      { durable: 'round-trip' },
    );
    const ack = await bus.publish(c.ThingHappened, data, { source: '/tests' });
    expect(ack).toMatchObject({ stream: c.stream.name, duplicate: false });
    expect(ack.seq).toBeGreaterThan(0);
    await eventually(
      'delivery',
      () => received.length,
      (n) => n === 1,
    );
    expect(received[0]).toEqual({ data, eventId: ack.id, type: `${c.ThingHappened.subject}.v1` });
    await sub.stop(1_000);

    const [stored] = await readStream(bus, c.stream.name, ack.seq);
    const h = stored!.headers!;
    expect(h.get('ce-specversion')).toBe('1.0');
    expect(h.get('ce-id')).toBe(ack.id);
    expect(h.get('ce-source')).toBe('/tests');
    expect(h.get('ce-type')).toBe(`${c.ThingHappened.subject}.v1`);
    expect(new Date(h.get('ce-time')).toISOString()).toBe(h.get('ce-time'));
    expect(h.get('content-type')).toBe('application/json');
    expect(h.get('Nats-Msg-Id')).toBe(ack.id);
  });

  it('drops a second message with the same id inside the duplicate window', async () => {
    const id = crypto.randomUUID();
    const first = await bus.publish(c.OtherThing, { thingId: crypto.randomUUID() }, { id });
    const second = await bus.publish(c.OtherThing, { thingId: crypto.randomUUID() }, { id });
    expect(first.duplicate).toBe(false);
    expect(second).toMatchObject({ duplicate: true, seq: first.seq, id });
  });

  it('refuses invalid data before sending, listing the failing fields', async () => {
    const jsm = await jetstreamManager(bus.nc);
    const before = (await jsm.streams.info(c.stream.name)).state.messages;
    const bad = { thingId: 'not-a-uuid', n: -1, items: [{ sku: '', quantity: 1.5 }], extra: true };
    const error = await bus
      .publish(c.ThingHappened, bad as unknown as EventData<typeof c.ThingHappened>)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventDataError);
    const issues = (error as InvalidEventDataError).issues.map((i) => i.path);
    expect(issues).toEqual(expect.arrayContaining(['thingId', 'n', 'items.0.sku', 'items.0.quantity', '']));
    expect((error as InvalidEventDataError).code).toBe('INVALID_EVENT_DATA');
    expect((await jsm.streams.info(c.stream.name)).state.messages).toBe(before);
  });

  it('says which subject has no stream', async () => {
    const Orphan = defineEvent({ subject: `${c.prefix}x.orphan`, schema: z.object({ a: z.string() }) });
    const error = await bus.publish(Orphan, { a: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoStreamError);
    expect((error as NoStreamError).subject).toBe(`${c.prefix}x.orphan`);
  });

  it('refuses to publish on a closed bus', async () => {
    const other = await connectBus('publish-closed');
    await other.close();
    await expect(other.publish(c.OtherThing, { thingId: crypto.randomUUID() })).rejects.toBeInstanceOf(
      ConnectionClosedError,
    );
    expect(other.health().connected).toBe(false);
  });
});
