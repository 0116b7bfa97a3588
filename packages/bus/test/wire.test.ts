import { headers, type MsgHdrs } from '@nats-io/nats-core';
import { MsgHdrsImpl } from '@nats-io/nats-core/internal';
import { describe, expect, it } from 'vitest';
import { headerValue, isReservedHeader } from '../src/index.js';
import { cloudEventHeaders, setHeader } from '../src/wire.js';

describe('cloudEventHeaders', () => {
  const attributes = {
    id: 'e-1',
    source: '/svc',
    type: 'things.happened.v1',
    time: '2026-12-01T00:00:00.000Z',
    dataschema: 'urn:demo:schema:things.happened:v1',
  };

  it('builds the block that MsgHdrs.set builds, extra headers replacing the same names', () => {
    const expected = headers();
    for (const [k, v] of [
      ['ce-specversion', '1.0'],
      ['ce-id', 'e-1'],
      ['ce-source', '/svc'],
      ['ce-type', 'things.happened.v1'],
      ['ce-time', '2026-12-01T00:00:00.000Z'],
      ['ce-dataschema', 'urn:demo:schema:things.happened:v1'],
      ['content-type', 'application/json'],
      ['x-tenant', 'acme'],
      ['ce-source', '/other'],
    ] as const) {
      expected.set(k, v);
    }
    const built = cloudEventHeaders(attributes, { 'x-tenant': ' acme ', 'ce-source': '/other' });
    setHeader(built, 'traceparent', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
    expected.set('traceparent', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
    const fields = (h: MsgHdrs) => Object.fromEntries(h.keys().map((k) => [k, h.values(k)]));
    expect(fields(built)).toEqual(fields(expected));
  });

  it('refuses what nats.js refuses: CR or LF in a value, a name that is not printable ASCII', () => {
    expect(() => cloudEventHeaders({ ...attributes, id: 'a\r\nNats-Rollup: all' })).toThrow(/\\r or \\n/);
    expect(() => cloudEventHeaders(attributes, { 'x\u0000y': 'v' })).toThrow(/not a valid character/);
    expect(() => cloudEventHeaders(attributes, { 'x:y': 'v' })).toThrow(/not a valid character/);
    expect(() => setHeader(cloudEventHeaders(attributes), 'tracestate', 'a\nb')).toThrow(/\\r or \\n/);
  });
});

describe('headerValue', () => {
  it('escapes CR, LF, NUL and other control characters, so nats.js accepts the value', () => {
    const value = headerValue('Failed query: select 1\r\nparams: \u0000\u0007\ttab');
    expect(value).toBe('Failed query: select 1\\r\\nparams: \\0\\x07 tab');
    expect(() => headers().set('dlq-error', value)).not.toThrow();
  });

  it('bounds the length without splitting a surrogate pair', () => {
    expect(headerValue('x'.repeat(5_000))).toHaveLength(1024);
    const cut = headerValue(`${'a'.repeat(8)}😀😀`, 10);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(10);
    expect(() => encodeURIComponent(cut)).not.toThrow();
  });

  it('makes any string a valid header value (bounded random inputs)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2_000; i++) {
      const text = String.fromCharCode(
        ...Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 0xffff)),
      );
      const h = headers();
      expect(() => h.set('dlq-error', headerValue(text, 64))).not.toThrow();
    }
  });

  it('knows the JetStream-reserved headers', () => {
    for (const name of ['Nats-Msg-Id', 'Nats-Expected-Stream', 'nats-rollup', 'Nats-TTL', 'Nats-Batch-Id']) {
      expect(isReservedHeader(name)).toBe(true);
    }
    expect(isReservedHeader('ce-id')).toBe(false);
    expect(isReservedHeader('traceparent')).toBe(false);
  });
});

describe('the header block of a published message', () => {
  const attributes = {
    id: 'e-1',
    source: '/svc',
    type: 'things.happened.v1',
    time: '2026-12-01T00:00:00.000Z',
    dataschema: 'urn:demo:schema:things.happened:v1',
  };
  /** The bytes nats.js itself writes for the same fields. */
  const natsEncoding = (h: MsgHdrs) => MsgHdrsImpl.prototype.encode.call(h);

  it('is the block nats.js writes for the same fields, whatever was set, appended or removed (bounded random edits)', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
    const names = [
      'ce-source',
      'ce-type',
      'ce-specversion',
      'content-type',
      'ce-dataschema',
      'ce-id',
      'traceparent',
      'x-tenant',
      'Nats-Msg-Id',
    ];
    const values = ['v', ' padded ', 'é', '😀', '', 'lone \ud800 surrogate'];
    for (let i = 0; i < 2_000; i++) {
      const h = cloudEventHeaders(
        {
          ...attributes,
          source: pick(['/svc', '/other']),
          dataschema: pick([attributes.dataschema, undefined]),
        },
        random() < 0.2 ? { [pick(names)]: pick(values) } : undefined,
      );
      for (let n = Math.floor(random() * 4); n > 0; n--) {
        const op = random();
        if (op < 0.5) setHeader(h, pick(names), pick(values));
        else if (op < 0.7) h.set(pick(names), pick(values));
        else if (op < 0.85) h.append(pick(names), pick(values));
        else h.delete(pick(names));
      }
      const encoded = h.encode();
      const expected = natsEncoding(h);
      expect([h.toString(), Buffer.from(encoded).equals(Buffer.from(expected))]).toEqual([
        h.toString(),
        true,
      ]);
      const decoded = MsgHdrsImpl.decode(encoded);
      expect(decoded.keys()).toEqual(h.keys());
    }
  });

  it('shares nothing a message can change with the next one', () => {
    const first = cloudEventHeaders(attributes);
    first.append('ce-source', '/second');
    first.set('ce-type', 'changed');
    const next = cloudEventHeaders(attributes);
    expect([next.values('ce-source'), next.get('ce-type')]).toEqual([['/svc'], 'things.happened.v1']);
    expect(first.values('ce-source')).toEqual(['/svc', '/second']);
  });
});
