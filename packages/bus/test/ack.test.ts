import { headers } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { decodeAck, decodeAckBytes, parsePubAck } from '../src/ack-pipeline.js';
import { BusError } from '../src/errors.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = new TextDecoder();

/** What the reply reads as through `JSON.parse`: the reference for the byte parser. */
const reference = (data: Uint8Array) => decodeAck('s', undefined, data.length === 0 ? '' : text.decode(data));
const answer = (result: ReturnType<typeof decodeAck>) =>
  result instanceof BusError ? { code: result.code, message: result.message } : result;

describe('the JetStream ack read from its bytes', () => {
  it('reads the acks nats-server writes, duplicates too', () => {
    expect(parsePubAck(bytes('{"stream":"ORDERS","seq":42}'))).toEqual({
      stream: 'ORDERS',
      seq: 42,
      duplicate: false,
    });
    expect(parsePubAck(bytes('{"stream":"ORDERS","seq":7,"duplicate":true}'))).toEqual({
      stream: 'ORDERS',
      seq: 7,
      duplicate: true,
    });
    expect(parsePubAck(bytes('{"stream":"S","seq":999999999999999}'))?.seq).toBe(999_999_999_999_999);
  });

  it('leaves anything else to JSON.parse, with the same answer', () => {
    for (const body of [
      '{"stream":"S","seq":1,"domain":"hub"}',
      '{"stream":"S","seq":1,"duplicate":false}',
      '{"stream":"S", "seq":1}',
      '{"stream":"S\\u0041","seq":1}',
      '{"stream":"S","seq":01}',
      '{"stream":"S","seq":1.5}',
      '{"stream":"S","seq":-1}',
      '{"stream":"S","seq":1e3}',
      '{"stream":"S","seq":12345678901234567890}',
      '{"stream":"S","seq":}',
      '{"stream":"S","seq":1}\n',
      '{"stream":"S","seq":1}}',
      '{"stream":"Ü","seq":1}',
      '{"error":{"code":503,"err_code":10039,"description":"jetstream not enabled"}}',
      '{"error":{"code":400,"description":"bad"},"stream":"S","seq":1}',
      '',
      'nonsense',
    ]) {
      const data = bytes(body);
      expect(parsePubAck(data) === undefined || body.startsWith('{"stream":"S","seq":1}')).toBe(true);
      expect([body, answer(decodeAckBytes('s', undefined, data))]).toEqual([body, answer(reference(data))]);
    }
  });

  it('reads a status reply (headers) as before: no stream is a typed error', () => {
    const status = headers(503, 'No Responders');
    expect(decodeAckBytes('s', status, new Uint8Array(0))).toMatchObject({ code: 'NO_STREAM' });
  });

  it('gives what JSON.parse gives, or a typed error, for any bytes (bounded random inputs)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
    const valid = [
      '{"stream":"ORDERS","seq":1}',
      '{"stream":"ORDERS","seq":123456,"duplicate":true}',
      '{"stream":"a-b_c","seq":0}',
    ];
    const alphabet = [
      ...'{}":,0123456789-.eE sS\\',
      'seq',
      'stream',
      'duplicate',
      'true',
      '\u00dc',
      '\u0000',
    ];
    let fast = 0;
    for (let i = 0; i < 20_000; i++) {
      let data: Uint8Array;
      const kind = random();
      if (kind < 0.4) {
        // A valid ack with one character changed, inserted or removed.
        const base = [...pick(valid)];
        const at = Math.floor(random() * base.length);
        const op = random();
        if (op < 0.33) base[at] = pick(alphabet);
        else if (op < 0.66) base.splice(at, 0, pick(alphabet));
        else base.splice(at, 1);
        data = bytes(base.join(''));
      } else if (kind < 0.6) {
        data = bytes(
          `{"stream":"${pick(['S', 'ORDERS', ''])}","seq":${Array.from({ length: Math.floor(random() * 20) }, () => pick([...'0123456789'])).join('')}${pick(['}', ',"duplicate":true}', ',"duplicate":false}', '} ', ''])}`,
        );
      } else if (kind < 0.8) {
        data = bytes(Array.from({ length: Math.floor(random() * 40) }, () => pick(alphabet)).join(''));
      } else {
        data = Uint8Array.from({ length: Math.floor(random() * 48) }, () => Math.floor(random() * 256));
      }
      const shown = text.decode(data);
      if (parsePubAck(data) !== undefined) fast += 1;
      const result = decodeAckBytes('s', undefined, data);
      expect([shown, answer(result)]).toEqual([shown, answer(reference(data))]);
      if (!(result instanceof BusError))
        expect(Number.isSafeInteger(result.seq) || !parsePubAck(data)).toBe(true);
    }
    expect(fast).toBeGreaterThan(1_000);
  });
});
