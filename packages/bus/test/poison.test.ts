import { randomBytes } from 'node:crypto';
import { connect as tcp } from 'node:net';
import { testServers } from '@demo/infra';
import {
  DiscardPolicy,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { headers, type MsgHdrs } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Bus, defineEvent, defineStream, type MessageContext } from '../src/index.js';
import { captureLogger, connectBus, eventually } from './helpers.js';

/**
 * Whatever a message carries, the consumer goes on: every message is either handled or in the
 * dead-letter stream, exactly once, with its reason; the one after it is handled.
 */

const prefix = `p${randomBytes(5).toString('hex')}`;
const Thing = defineEvent({ subject: `${prefix}.thing`, schema: z.object({ thingId: z.string().min(1) }) });
const STREAM = prefix.toUpperCase();
const dlq = defineStream({ name: `${STREAM}_DLQ`, subjects: [`dlq.${prefix}.>`] });

/** Publishes through a bare socket, so the header block can be anything the server accepts. */
async function rawPublish(url: string, subject: string, headerBlock: string, body: string): Promise<void> {
  const { hostname, port } = new URL(url);
  await new Promise<void>((resolve, reject) => {
    const socket = tcp({ host: hostname, port: Number(port) });
    socket.once('error', reject);
    socket.once('data', () => {
      const h = Buffer.from(headerBlock);
      const b = Buffer.from(body);
      socket.write('CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1}\r\n');
      socket.write(`HPUB ${subject} ${h.length} ${h.length + b.length}\r\n`);
      socket.write(Buffer.concat([h, b, Buffer.from('\r\nPING\r\n')]));
      socket.on('data', (chunk) => {
        if (chunk.toString().includes('PONG')) {
          socket.end();
          resolve();
        }
        if (chunk.toString().includes('-ERR')) reject(new Error(chunk.toString()));
      });
    });
  });
}

function hdrs(values: Record<string, string>): MsgHdrs {
  const h = headers();
  for (const [k, v] of Object.entries(values)) h.set(k, v);
  return h;
}

describe('poison messages', () => {
  const logger = captureLogger();
  let bus: Bus;
  const handled: Array<{ data: { thingId: string }; ctx: MessageContext }> = [];

  beforeAll(async () => {
    bus = await connectBus('poison-test', logger);
    const jsm = await jetstreamManager(bus.nc);
    // Rollup and per-message TTL allowed, so messages carrying those headers are stored at all.
    await jsm.streams.add({
      name: STREAM,
      subjects: [`${prefix}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      allow_rollup_hdrs: true,
      allow_msg_ttl: true,
    });
    await bus.provision([dlq]);
    await bus.subscribe(
      Thing,
      (data, ctx) => {
        handled.push({
          data,
          ctx: {
            ...ctx,
            headers: ctx.headers,
            time: ctx.time,
            eventId: ctx.eventId,
            streamSequence: ctx.streamSequence,
          },
        });
        if (data.thingId.startsWith('fail')) throw new Error(data.thingId.slice(4));
      },
      { durable: 'poison', maxDeliver: 1 },
    );
  });
  afterAll(async () => {
    await bus.close(1_000);
    const jsm = await jetstreamManager((await connectBus('cleanup')).nc);
    await jsm.streams.delete(STREAM);
    await jsm.streams.delete(dlq.name);
  });

  async function deadLetters(): Promise<JsMsg[]> {
    const js = jetstream(bus.nc);
    const consumer = await js.consumers.get(dlq.name);
    const out: JsMsg[] = [];
    for (;;) {
      const msg = await consumer.next({ expires: 1_000 });
      if (!msg) return out;
      out.push(msg);
    }
  }

  it('handles or dead-letters each hostile message exactly once, with its reason, and goes on', async () => {
    const js = jetstream(bus.nc);
    const subject = Thing.subject;
    const maxPayload = bus.nc.info?.max_payload ?? 1024 * 1024;
    const expected = new Map<number, string>(); // stream sequence → 'handled' | dead-letter reason
    const send = async (data: Uint8Array | string, h?: MsgHdrs) =>
      (await js.publish(subject, data, { headers: h })).seq;

    expected.set(await send('hello\nworld'), 'unparseable');
    expected.set(await send('a\r\nb\u0000c'), 'unparseable');
    expected.set(await send(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 'unparseable');
    expected.set(
      await send(JSON.stringify({ thingId: 'x', pad: 'y'.repeat(maxPayload - 1_000) })),
      'handled',
    );
    expected.set(await send(JSON.stringify({ thingId: 'z'.repeat(maxPayload - 1_000) })), 'handled');
    expected.set(await send(JSON.stringify({ wrong: 'y'.repeat(maxPayload - 1_000) })), 'schema_invalid');
    expected.set(
      await send(JSON.stringify({ thingId: 'fail: line one\r\nline two\u0000 end' })),
      'handler_failed',
    );
    expected.set(await send(JSON.stringify({ thingId: `fail${'long '.repeat(2_000)}` })), 'handler_failed');
    // JetStream headers of the original must not travel to the dead letter.
    expected.set(await send('{', hdrs({ 'Nats-Expected-Stream': STREAM })), 'unparseable');
    expected.set(await send('{', hdrs({ 'Nats-Msg-Id': 'user-chosen-id' })), 'unparseable');
    expected.set(await send('{', hdrs({ 'Nats-TTL': '1h' })), 'unparseable');
    expected.set(
      await send(JSON.stringify({ thingId: 'ok-traceparent' }), hdrs({ traceparent: 'not-a-trace' })),
      'handled',
    );
    expected.set(
      await send(
        JSON.stringify({ thingId: 'ok-traceparent-2' }),
        hdrs({ traceparent: `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01` }),
      ),
      'handled',
    );
    expected.set(
      await send(JSON.stringify({ thingId: 'ok-time' }), hdrs({ 'ce-time': '+275760-09-13T00:00:00.000Z' })),
      'handled',
    );
    expected.set(
      await send(JSON.stringify({ thingId: 'ok-time-2' }), hdrs({ 'ce-time': 'x'.repeat(10_000) })),
      'handled',
    );
    expected.set(
      await send(JSON.stringify({ thingId: 'ok-id' }), hdrs({ 'ce-id': 'i'.repeat(60_000) })),
      'handled',
    );
    // A header block that nats.js cannot decode (a space in a header name).
    const before = (await (await jetstreamManager(bus.nc)).streams.info(STREAM)).state.last_seq;
    await rawPublish(testServers().natsUrl, subject, 'NATS/1.0\r\nbad key: v\r\n\r\n', '{"thingId":"hdr"}');
    expected.set(before + 1, 'headers_invalid');
    // Bounded fuzz: random bytes as payloads and as header values.
    let seed = 1234;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 60; i++) {
      const body = Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256));
      const value = String.fromCharCode(
        ...Array.from({ length: 1 + Math.floor(random() * 50) }, () => 32 + Math.floor(random() * 0xd000)),
      );
      const h = hdrs({ 'x-fuzz': value, 'ce-time': value, traceparent: value });
      const seq = await send(body, h);
      let valid = false;
      try {
        valid =
          typeof (JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as { thingId?: unknown })
            ?.thingId === 'string';
      } catch {}
      expected.set(seq, valid ? 'either' : 'unparseable-or-invalid');
    }
    const last = await send(JSON.stringify({ thingId: 'the-next-one' }));
    expected.set(last, 'handled');

    await eventually(
      'the next message handled',
      () => handled.some((h) => h.data.thingId === 'the-next-one'),
      Boolean,
      20_000,
    );
    const dead = await eventually(
      'dead letters stored',
      () => deadLetters(),
      (d) => d.length >= [...expected.values()].filter((v) => v !== 'handled' && v !== 'either').length,
      15_000,
    );
    await new Promise((r) => setTimeout(r, 500));

    const handledSeqs = handled.map((h) => h.ctx.streamSequence);
    const deadSeqs = dead.map((d) => Number(d.headers?.get('dlq-stream-sequence')));
    // Exactly once: no message both handled and dead-lettered (the failing handler's ones are both), none twice.
    expect(new Set(deadSeqs).size).toBe(deadSeqs.length);
    for (const [seq, want] of expected) {
      const inDlq = dead.find((d) => Number(d.headers?.get('dlq-stream-sequence')) === seq);
      const wasHandled = handledSeqs.filter((s) => s === seq).length;
      if (want === 'handled') {
        expect({ seq, wasHandled, inDlq: Boolean(inDlq) }).toEqual({ seq, wasHandled: 1, inDlq: false });
      } else if (want === 'either') {
        expect({ seq, once: wasHandled === 1 || Boolean(inDlq) }).toEqual({ seq, once: true });
      } else if (want === 'unparseable-or-invalid') {
        expect([seq, inDlq?.headers?.get('dlq-reason')]).toEqual([
          seq,
          expect.stringMatching(/unparseable|schema_invalid/),
        ]);
      } else {
        expect([seq, inDlq?.headers?.get('dlq-reason')]).toEqual([seq, want]);
      }
    }
    for (const d of dead) {
      const h = d.headers!;
      // No JetStream header of the original, every SDK-written value single-line and bounded.
      // Only the dead letter's own id (dlq:<consumer>:<stream>:<seq>), none of the original's.
      const natsHeaders = h.keys().filter((k) => k.toLowerCase().startsWith('nats-'));
      expect(natsHeaders).toEqual(['Nats-Msg-Id']);
      expect(h.get('Nats-Msg-Id')).toBe(`dlq:poison:${STREAM}:${h.get('dlq-stream-sequence')}`);
      expect(h.get('dlq-error').length).toBeLessThanOrEqual(1024);
      expect(h.get('dlq-stream')).toBe(STREAM);
      expect(d.data.length + h.toString().length).toBeLessThanOrEqual(maxPayload);
    }
    const crlf = dead.find((d) => d.headers?.get('dlq-error').includes('line one'));
    expect(crlf?.headers?.get('dlq-error')).toBe(': line one\\r\\nline two\\0 end');
    const big = dead.find((d) => d.headers?.get('dlq-reason') === 'schema_invalid');
    expect(Number(big?.headers?.get('dlq-truncated'))).toBeGreaterThan(maxPayload - 1_100);
    const withMsgId = dead.find((d) => d.headers?.get('dlq-dropped-headers')?.includes('Nats-Msg-Id'));
    expect(withMsgId).toBeDefined();
    const time = handled.find((h) => h.data.thingId === 'ok-time')!.ctx.time;
    expect(Math.abs(time.getTime() - Date.now())).toBeLessThan(60_000);
    const longId = handled.find((h) => h.data.thingId === 'ok-id')!.ctx;
    expect(longId.eventId).toBe(`${STREAM}:${longId.streamSequence}`);
    expect(logger.records.filter((r) => r.level === 'error' && r.msg !== 'message dead-lettered')).toEqual(
      [],
    );
  });
});
