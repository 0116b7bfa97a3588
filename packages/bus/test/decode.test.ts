import { headers } from '@nats-io/nats-core';
import { MsgHdrsImpl } from '@nats-io/nats-core/internal';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { headerBlockDecodes } from '../src/consume/decode.js';
import { headerFields, scanHeaderBlock } from '../src/consume/header-fields.js';
import { decode, defineEvent } from '../src/index.js';

const Thing = defineEvent({
  subject: 'things.happened',
  schema: z.object({ thingId: z.string().min(1), n: z.number().int() }),
});
const bytes = (s: string) => new TextEncoder().encode(s);

describe('decode', () => {
  it('answers the data of a valid message, unknown fields dropped', () => {
    expect(decode(Thing, { data: bytes('{"thingId":"a","n":1,"extra":true}') })).toEqual({
      ok: true,
      data: { thingId: 'a', n: 1 },
    });
  });

  it('answers unparseable for text, truncated JSON, empty bodies and invalid UTF-8', () => {
    for (const body of [bytes('hello\nworld'), bytes('{"thingId": '), new Uint8Array(0)]) {
      expect(decode(Thing, { data: body })).toMatchObject({ ok: false, reason: 'unparseable' });
    }
    const invalidUtf8 = new Uint8Array([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    expect(decode(Thing, { data: invalidUtf8 })).toEqual({
      ok: false,
      reason: 'unparseable',
      message: 'payload is not valid UTF-8',
    });
  });

  it('answers schema_invalid with the failing fields', () => {
    const result = decode(Thing, { data: bytes('{"thingId":"","n":1.5}') });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('schema_invalid');
    expect(result.issues?.map((i) => i.path).sort()).toEqual(['n', 'thingId']);
    expect(result.message).toMatch(/things\.happened\.v1/);
  });

  it('answers headers_invalid when the header block does not decode', () => {
    const message = {
      data: bytes('{"thingId":"a","n":1}'),
      get headers(): never {
        throw new Error("'\u0000' is not a valid character in a header name");
      },
    };
    expect(decode(Thing, message)).toMatchObject({ ok: false, reason: 'headers_invalid' });
    const h = headers();
    h.set('ce-id', 'x');
    expect(decode(Thing, { data: bytes('{"thingId":"a","n":1}'), headers: h }).ok).toBe(true);
  });

  it('never throws, whatever the bytes (bounded random inputs)', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2_000; i++) {
      const data = Uint8Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256));
      const result = decode(Thing, { data });
      expect(typeof result.ok).toBe('boolean');
    }
  });

  it('tells, without decoding, whether nats.js would decode a header block (bounded random blocks)', () => {
    let seed = 99;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = [
      ...'ab-Z09:',
      ' ',
      ':',
      '\r\n',
      '\r\n',
      '\r',
      '\n',
      '\t',
      '\u00e9',
      '\u00a0',
      '\u0000',
      '\u007f',
    ];
    const natsDecodes = (block: Uint8Array) => {
      try {
        MsgHdrsImpl.decode(block);
        return true;
      } catch {
        return false;
      }
    };
    let invalid = 0;
    for (let i = 0; i < 5_000; i++) {
      const text = Array.from(
        { length: Math.floor(random() * 30) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
      const block = new TextEncoder().encode(`NATS/1.0\r\n${text}\r\n\r\n`);
      const expected = natsDecodes(block);
      if (!expected) invalid += 1;
      expect([text, headerBlockDecodes(block)]).toEqual([text, expected]);
      if (!expected) continue;
      // Every field reads as nats.js reads it: names in order, first value, trimmed.
      const decoded = MsgHdrsImpl.decode(block);
      const fields = scanHeaderBlock(block);
      expect([text, fields.keys()]).toEqual([text, decoded.keys()]);
      // A message read from the socket holds a Buffer (the scan reads any block as one).
      const fromSocket = scanHeaderBlock(Buffer.from(block));
      for (const key of decoded.keys()) {
        expect([text, key, fields.get(key)]).toEqual([text, key, decoded.get(key)]);
        expect([text, key, fromSocket.get(key)]).toEqual([text, key, decoded.get(key)]);
      }
      expect(fields.get('absent')).toBeUndefined();
    }
    expect(invalid).toBeGreaterThan(500);
    const h = headers();
    h.set('ce-id', 'x');
    h.set('traceparent', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
    expect(headerBlockDecodes(new TextEncoder().encode(h.toString()))).toBe(true);
  });

  it('reads header fields from a message built in memory, and none from a block that throws', () => {
    const h = headers();
    h.set('ce-id', 'x');
    h.append('ce-id', 'y');
    expect(headerFields({ headers: h }).get('ce-id')).toBe('x');
    expect(headerFields({ headers: h }).keys()).toEqual(['ce-id']);
    expect(headerFields({}).valid).toBe(true);
    const broken = headerFields({
      get headers(): never {
        throw new Error('bad block');
      },
    });
    expect([broken.valid, broken.get('ce-id'), broken.keys()]).toEqual([false, undefined, []]);
  });
});
