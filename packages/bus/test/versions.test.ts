import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type MsgHdrs, headers as natsHeaders } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type Bus,
  CE,
  defineEvent,
  defineStream,
  type EventData,
  OutboxRelay,
  type OutboxStore,
  type PendingEvent,
} from '../src/index.js';
import { captureLogger, connectBus, eventually, readStream } from './helpers.js';

/** The headers of a dead letter without the failure (`dlq-*`): what goes back on the subject in a replay. */
function copyHeadersForReplay(h: MsgHdrs | undefined): MsgHdrs {
  const out = natsHeaders();
  if (!h) return out;
  for (const key of h.keys()) {
    if (key.startsWith('dlq-') || key === 'Nats-Msg-Id') continue;
    for (const value of h.values(key)) out.append(key, value);
  }
  return out;
}

/** Two versions of one event of the suite's own: v2 adds a required field; v1 → v2 fills it. */
function versionedContracts(prefix = `v${randomBytes(5).toString('hex')}`) {
  const subject = `${prefix}.parcel-sent`;
  const V1 = defineEvent({
    subject,
    description: 'a parcel left (v1)',
    schema: z.object({ parcelId: z.uuid(), weight: z.number().positive() }),
  });
  const V2 = defineEvent({
    subject,
    version: 2,
    description: 'a parcel left, with its carrier (v2)',
    schema: z.object({ parcelId: z.uuid(), weight: z.number().positive(), carrier: z.string().min(1) }),
    upcastFrom: { contract: V1, upcast: (data) => ({ ...data, carrier: 'unknown' }) },
  });
  return {
    V1,
    V2,
    stream: defineStream({ name: prefix.toUpperCase(), subjects: [`${prefix}.>`] }),
    dlq: defineStream({ name: `${prefix.toUpperCase()}_DLQ`, subjects: [`dlq.${prefix}.>`] }),
  };
}

describe('versions on the wire, old and new side by side (real nats-server)', () => {
  const c = versionedContracts();
  let bus: Bus;

  beforeAll(async () => {
    bus = await connectBus('versions-test', captureLogger());
    await bus.provision([c.stream, c.dlq]);
  });
  afterAll(async () => {
    await bus.close(1_000);
    const cleanup = await connectBus('cleanup');
    const jsm = await jetstreamManager(cleanup.nc);
    await jsm.streams.delete(c.stream.name);
    await jsm.streams.delete(c.dlq.name);
    await cleanup.close(1_000);
  });

  it('a publish names its version in ce-type and ce-dataschema', async () => {
    const ack = await bus.publish(c.V2, { parcelId: crypto.randomUUID(), weight: 1, carrier: 'dhl' });
    const jsm = await jetstreamManager(bus.nc);
    const msg = await jsm.streams.getMessage(c.stream.name, { seq: ack.seq });
    expect(msg?.header.get(CE.type)).toBe(`${c.V2.subject}.v2`);
    expect(msg?.header.get(CE.dataschema)).toBe(`urn:demo:schema:${c.V2.subject}:v2`);
  });

  it('old consumer, new producer: a v1 handler receives v2 messages as v1 data, and v1 ones', async () => {
    const seen: EventData<typeof c.V1>[] = [];
    const sub = await bus.subscribe(c.V1, (data) => void seen.push(data), { durable: 'old-consumer' });
    const a = { parcelId: crypto.randomUUID(), weight: 2, carrier: 'ups' };
    const b = { parcelId: crypto.randomUUID(), weight: 3 };
    await bus.publish(c.V2, a);
    await bus.publish(c.V1, b);
    await eventually(
      'seen deliveries',
      () => seen.map((d) => d.parcelId),
      (ids) => [a.parcelId, b.parcelId].every((id) => ids.includes(id)),
    );
    await sub.stop(1_000);
    expect(seen.find((d) => d.parcelId === a.parcelId)).toEqual({ parcelId: a.parcelId, weight: 2 });
    expect(seen.find((d) => d.parcelId === b.parcelId)).toEqual(b);
  });

  it('new consumer, old producer: a v2 handler receives v1 messages upcast, and v2 ones as they are', async () => {
    const seen: EventData<typeof c.V2>[] = [];
    const sub = await bus.subscribe(c.V2, (data) => void seen.push(data), { durable: 'new-consumer' });
    const a = { parcelId: crypto.randomUUID(), weight: 4 };
    const b = { parcelId: crypto.randomUUID(), weight: 5, carrier: 'dpd' };
    await bus.publish(c.V1, a);
    await bus.publish(c.V2, b);
    await eventually(
      'seen deliveries',
      () => seen.map((d) => d.parcelId),
      (ids) => [a.parcelId, b.parcelId].every((id) => ids.includes(id)),
    );
    await sub.stop(1_000);
    expect(seen.find((d) => d.parcelId === a.parcelId)).toEqual({ ...a, carrier: 'unknown' });
    expect(seen.find((d) => d.parcelId === b.parcelId)).toEqual(b);
  });

  it('a consumer that accepts only v2 dead-letters v1 as unsupported_version; replayed to one that reads v1, it is processed', async () => {
    const strict: string[] = [];
    const only2 = await bus.subscribe(c.V2, (data) => void strict.push(data.parcelId), {
      durable: 'only-v2',
      versions: [2],
    });
    const old = { parcelId: crypto.randomUUID(), weight: 6 };
    const ack = await bus.publish(c.V1, old);
    // Before it, it dead-lettered the v1 messages of the tests above (b, then a).
    const [dead] = (await readStream(bus, c.dlq.name, 3, 15_000)).filter(
      (m) => m.headers?.get('ce-id') === ack.id,
    );
    await only2.stop(1_000);
    // (it reads the v2 messages of the tests before; the v1 one never reaches its handler)
    expect(strict).not.toContain(old.parcelId);
    expect(dead?.headers?.get('dlq-reason')).toBe('unsupported_version');
    expect(dead?.headers?.get('dlq-error')).toMatch(/v1 is not accepted by this consumer \(accepts v2\)/);
    expect(dead?.headers?.get(CE.type)).toBe(`${c.V1.subject}.v1`);
    expect(dead?.headers?.get('dlq-delivery-count')).toBe('1');

    // After the upgrade: the dead letter goes back on its subject with its own headers (as a replay does).
    const upgraded: EventData<typeof c.V2>[] = [];
    const sub = await bus.subscribe(c.V2, (data) => void upgraded.push(data), {
      durable: 'upgraded',
      versions: [1, 2],
    });
    await jetstream(bus.nc).publish(c.V1.subject, dead!.data, {
      headers: copyHeadersForReplay(dead!.headers),
      msgID: `replay:${ack.id}`,
    });
    await eventually(
      'upgraded deliveries',
      () => upgraded.map((d) => d.parcelId),
      (ids) => [old.parcelId].every((id) => ids.includes(id)),
    );
    await sub.stop(1_000);
    expect(upgraded.find((d) => d.parcelId === old.parcelId)).toEqual({ ...old, carrier: 'unknown' });
  });
});

describe('an outbox that holds rows of two versions (real nats-server)', () => {
  const c = versionedContracts();
  let bus: Bus;

  beforeAll(async () => {
    bus = await connectBus('versions-outbox-test', captureLogger());
    await bus.provision([c.stream]);
  });
  afterAll(async () => {
    await bus.close(1_000);
    const cleanup = await connectBus('cleanup');
    await (await jetstreamManager(cleanup.nc)).streams.delete(c.stream.name);
    await cleanup.close(1_000);
  });

  it('publishes a row written before the producer moved to v2 as v1, and a new row as v2', async () => {
    const rows: PendingEvent[] = [
      {
        id: crypto.randomUUID(),
        subject: c.V1.subject,
        data: { parcelId: crypto.randomUUID(), weight: 1 },
        traceContext: {},
      },
      {
        id: crypto.randomUUID(),
        subject: c.V2.subject,
        data: { parcelId: crypto.randomUUID(), weight: 2, carrier: 'gls' },
        traceContext: {},
      },
    ];
    const published = new Set<string>();
    const store: OutboxStore = {
      pending: async (limit) => rows.filter((r) => !published.has(r.id)).slice(0, limit),
      markPublished: async (ids) => {
        for (const id of ids) published.add(id);
      },
    };
    const relay = new OutboxRelay({
      publisher: bus,
      store,
      contracts: [c.V1, c.V2],
      logger: captureLogger(),
    });
    await relay.flush();
    expect(published.size).toBe(2);
    const messages = await readStream(bus, c.stream.name, 2);
    expect(messages.map((m) => [m.headers?.get('ce-id'), m.headers?.get(CE.type)])).toEqual([
      [rows[0]!.id, `${c.V1.subject}.v1`],
      [rows[1]!.id, `${c.V2.subject}.v2`],
    ]);
  });
});
