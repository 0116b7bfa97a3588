import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineEvent, parseEventType, upcastChain, versionReader } from '../src/index.js';

/** Four versions of one event: v2 adds a required field (upcast), v3 renames one (upcast), v4 is a clean break. */
const V1 = defineEvent({
  subject: 'shop.parcel-sent',
  description: 'a parcel left',
  schema: z.object({ parcelId: z.string(), weight: z.number() }),
});
const V2 = defineEvent({
  subject: 'shop.parcel-sent',
  version: 2,
  schema: z.object({ parcelId: z.string(), weight: z.number(), carrier: z.string() }),
  upcastFrom: { contract: V1, upcast: (d) => ({ ...d, carrier: 'unknown' }) },
});
const V3 = defineEvent({
  subject: 'shop.parcel-sent',
  version: 3,
  schema: z.object({ parcelId: z.string(), grams: z.number().int(), carrier: z.string() }),
  upcastFrom: {
    contract: V2,
    upcast: ({ parcelId, weight, carrier }) => {
      if (weight > 1_000) throw new Error(`weight ${weight} kg is not a parcel`);
      return { parcelId, grams: Math.round(weight * 1000), carrier };
    },
  },
});
const V4 = defineEvent({
  subject: 'shop.parcel-sent',
  version: 4,
  schema: z.object({ id: z.string() }),
});

describe('parseEventType', () => {
  it.each([
    ['shop.parcel-sent.v1', 1],
    ['shop.parcel-sent.v12', 12],
    ['shop.parcel-sent', undefined],
    ['shop.parcel-sent.v0', undefined],
    ['shop.parcel-sent.v1.5', undefined],
    ['shop.parcel-lost.v1', undefined],
    ['', undefined],
  ] as const)('%s → %s', (type, version) => {
    expect(parseEventType(type, 'shop.parcel-sent')).toBe(version);
  });
});

describe('defineEvent with versions', () => {
  it('names the type and dataschema of the version', () => {
    expect(V3.type).toBe('shop.parcel-sent.v3');
    expect(V3.dataschema).toBe('urn:demo:schema:shop.parcel-sent:v3');
    expect([...upcastChain(V3).keys()]).toEqual([3, 2, 1]);
    expect([...upcastChain(V4).keys()]).toEqual([4]);
  });

  it('refuses an upcaster from another subject, or one that skips a version', () => {
    const other = defineEvent({ subject: 'shop.other', schema: z.object({}) });
    expect(() =>
      defineEvent({
        subject: 'shop.parcel-sent',
        version: 2,
        schema: z.object({}),
        upcastFrom: { contract: other, upcast: () => ({}) },
      }),
    ).toThrow(/another subject/);
    expect(() =>
      defineEvent({
        subject: 'shop.parcel-sent',
        version: 3,
        schema: z.object({}),
        upcastFrom: { contract: V1, upcast: () => ({}) },
      }),
    ).toThrow(/one step at a time/);
    expect(() => defineEvent({ subject: 'shop.parcel-sent', version: 0, schema: z.object({}) })).toThrow(
      /positive integer/,
    );
  });
});

describe('versionReader', () => {
  const v1 = { parcelId: 'p1', weight: 1.25 };

  it('reads a message without ce-type as the handler version', () => {
    expect(versionReader(V2)(undefined, { ...v1, carrier: 'dhl' })).toEqual({
      ok: true,
      version: 2,
      data: { ...v1, carrier: 'dhl' },
    });
  });

  it('upcasts an older version step by step, and drops unknown fields on the way', () => {
    expect(versionReader(V3)('shop.parcel-sent.v1', { ...v1, extra: true })).toEqual({
      ok: true,
      version: 1,
      data: { parcelId: 'p1', grams: 1250, carrier: 'unknown' },
    });
    expect(versionReader(V3)('shop.parcel-sent.v2', { ...v1, carrier: 'ups' })).toMatchObject({
      ok: true,
      version: 2,
      data: { grams: 1250, carrier: 'ups' },
    });
  });

  it('reads a newer version with its own schema when it validates (an additive change)', () => {
    expect(versionReader(V1)('shop.parcel-sent.v2', { ...v1, carrier: 'dhl' })).toEqual({
      ok: true,
      version: 2,
      data: v1,
    });
  });

  it('dead-letters a newer version it cannot read as unsupported_version', () => {
    const result = versionReader(V2)('shop.parcel-sent.v3', { parcelId: 'p1', grams: 1250, carrier: 'dhl' });
    expect(result).toMatchObject({ ok: false, reason: 'unsupported_version' });
    expect(!result.ok && result.message).toMatch(/newer than this consumer's v2.*weight/);
  });

  it('dead-letters an older version without an upcaster chain as unsupported_version', () => {
    expect(
      versionReader(V4)('shop.parcel-sent.v3', { parcelId: 'p1', grams: 1, carrier: 'x' }),
    ).toMatchObject({
      ok: false,
      reason: 'unsupported_version',
      message: expect.stringMatching(/v3 cannot be read as v4/),
    });
  });

  it('dead-letters a version the consumer does not accept, and a type of no version of the subject', () => {
    const only3 = versionReader(V3, { accepts: [3] });
    expect(only3('shop.parcel-sent.v1', v1)).toMatchObject({
      ok: false,
      reason: 'unsupported_version',
      message: expect.stringMatching(/v1 is not accepted by this consumer \(accepts v3\)/),
    });
    expect(only3('shop.parcel-sent.v4', { parcelId: 'p', grams: 1, carrier: 'c' })).toMatchObject({
      reason: 'unsupported_version',
    });
    expect(only3('shop.parcel-sent', v1)).toMatchObject({ reason: 'unsupported_version' });
    expect(only3('shop.parcel-lost.v3', v1)).toMatchObject({ reason: 'unsupported_version' });
    expect(
      versionReader(V3, { accepts: [2, 3] })('shop.parcel-sent.v2', { ...v1, carrier: 'c' }),
    ).toMatchObject({
      ok: true,
    });
  });

  it('reports an old message that fails its own version schema as schema_invalid', () => {
    expect(versionReader(V3)('shop.parcel-sent.v1', { parcelId: 'p1' })).toMatchObject({
      ok: false,
      reason: 'schema_invalid',
      message: expect.stringMatching(/does not match shop.parcel-sent.v1: weight/),
      issues: [expect.objectContaining({ path: 'weight' })],
    });
  });

  it('reports an upcaster that throws, or returns invalid data, as schema_invalid with the step', () => {
    expect(versionReader(V3)('shop.parcel-sent.v1', { parcelId: 'p1', weight: 5_000 })).toMatchObject({
      ok: false,
      reason: 'schema_invalid',
      message: 'upcast of shop.parcel-sent v2 to v3 failed: weight 5000 kg is not a parcel',
    });
    const Bad = defineEvent({
      subject: 'shop.parcel-sent',
      version: 2,
      schema: z.object({ parcelId: z.string(), carrier: z.string() }),
      upcastFrom: { contract: V1, upcast: (d) => ({ parcelId: d.parcelId }) as never },
    });
    expect(versionReader(Bad)('shop.parcel-sent.v1', v1)).toMatchObject({
      ok: false,
      reason: 'schema_invalid',
      message: expect.stringMatching(/gave data that does not match shop.parcel-sent.v2: carrier/),
    });
  });

  it('refuses a policy it cannot honour', () => {
    expect(() => versionReader(V4, { accepts: [3, 4] })).toThrow(/no upcaster chain leads from it/);
    expect(() => versionReader(V3, { accepts: [1, 2] })).toThrow(/must accept version 3/);
  });
});
