import { describe, expect, it } from 'vitest';
import { INT32_MAX, input, isStorableText } from '../src/index.js';

describe('input rules', () => {
  it('storable text: no NUL, no unpaired surrogate; pairs are fine', () => {
    expect(isStorableText('Ada Lovelace 🦄')).toBe(true);
    for (const bad of ['a\u0000b', '\ud800', 'a\udc00', '\udc00\ud800', 'x\ud83e']) {
      expect(isStorableText(bad)).toBe(false);
    }
    const name = input.text({ min: 1, max: 8, trim: true });
    expect(name.parse('  Ada ')).toBe('Ada');
    expect(name.safeParse('Ad\u0000a').success).toBe(false);
    expect(name.safeParse('').success).toBe(false);
    expect(name.safeParse('   ').success).toBe(false);
    // `max` counts what was sent, as the OpenAPI document's maxLength says.
    expect(name.safeParse('  Ada    ').success).toBe(false);
  });

  it('ids: lower-case UUIDs only', () => {
    const id = '5b0c6c1e-3f4e-4d39-9a57-2f1f3f2b8c11';
    expect(input.uuid.parse(id)).toBe(id);
    expect(input.uuid.safeParse(id.toUpperCase()).success).toBe(false);
    expect(input.uuid.safeParse(`{${id}}`).success).toBe(false);
    expect(input.uuid.safeParse(id.replaceAll('-', '')).success).toBe(false);
  });

  it('int32: a PostgreSQL integer', () => {
    expect(input.int32().parse(INT32_MAX)).toBe(INT32_MAX);
    expect(input.int32().safeParse(INT32_MAX + 1).success).toBe(false);
    expect(input.int32().safeParse(-1).success).toBe(false);
    expect(input.int32({ min: 1 }).safeParse(0).success).toBe(false);
    expect(input.int32().safeParse(1.5).success).toBe(false);
  });

  it('money(12): whole cents below ten billion', () => {
    const money = input.money(12);
    for (const ok of [0, 0.01, 0.07, 19.99, 9_999_999_999.99]) {
      expect(money.safeParse(ok).success, String(ok)).toBe(true);
    }
    for (const bad of [-0.01, 0.001, 19.999, 10_000_000_000, Number.MAX_VALUE, Number.NaN]) {
      expect(money.safeParse(bad).success, String(bad)).toBe(false);
    }
  });

  it('query integers: decimal literals only, within bounds, with a default', () => {
    const limit = input.queryInt({ min: 1, max: 100, default: 20 });
    expect(limit.parse(undefined)).toBe(20);
    expect(limit.parse('100')).toBe(100);
    for (const bad of ['0x10', '1e1', '0b11', '5.0', ' 5', '+5', '-5', '05', '', '0', '101', '1000']) {
      expect(limit.safeParse(bad).success, bad).toBe(false);
    }
  });
});
