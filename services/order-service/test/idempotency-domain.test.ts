import { CANONICAL_UUID } from '@demo/http';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  IDEMPOTENCY_KEY,
  keyedOrderId,
  placementUnderKey,
  requestFingerprint,
} from '../src/domain/idempotency.js';
import { type Order, placeOrder } from '../src/domain/order.js';

const userId = '0b9e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4';
const body = { userId, items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 9.5 }] };

function storedUnder(key: string, fingerprint: string): Order {
  return placeOrder({
    id: keyedOrderId(userId, key),
    userId,
    items: body.items,
    now: new Date('2026-12-01T10:00:00Z'),
    idempotency: { key, fingerprint },
  }).order;
}

describe('idempotency keys (pure rules)', () => {
  it('accepts 1 to 255 visible ASCII characters as a key, nothing else', () => {
    for (const key of ['a', '8e03978e-40d5-43e8-bc93-6894a57f9324', '"quoted"', '!~', 'k'.repeat(255)])
      expect(IDEMPOTENCY_KEY.test(key), key).toBe(true);
    for (const key of ['', 'k'.repeat(256), 'two words', 'tab\there', 'clé', 'line\n', '\u0000'])
      expect(IDEMPOTENCY_KEY.test(key), JSON.stringify(key)).toBe(false);
  });

  it('names one order per user and key: a version 8 UUID, the same every time', () => {
    const id = keyedOrderId(userId, 'k-1');
    expect(id).toMatch(CANONICAL_UUID);
    expect(id[14]).toBe('8');
    expect('89ab').toContain(id[19]);
    expect(keyedOrderId(userId, 'k-1')).toBe(id);
    expect(keyedOrderId(userId, 'k-2')).not.toBe(id);
    expect(keyedOrderId('5b0c6c1e-3f4e-4d39-9a57-2f1f3f2b8c11', 'k-1')).not.toBe(id);
  });

  it('fingerprints a body by its canonical JSON: member order does not matter, anything else does', () => {
    expect(canonicalJson({ b: [2, { y: 1, x: 'é' }], a: null, c: undefined })).toBe(
      '{"a":null,"b":[2,{"x":"é","y":1}]}',
    );
    const reordered = { items: [{ unitPrice: 9.5, quantity: 2, sku: 'SKU-1' }], userId };
    expect(requestFingerprint(reordered)).toBe(requestFingerprint(body));
    expect(requestFingerprint(body)).toMatch(/^[0-9a-f]{64}$/);
    expect(requestFingerprint({ ...body, items: [{ sku: 'SKU-1', quantity: 3, unitPrice: 9.5 }] })).not.toBe(
      requestFingerprint(body),
    );
    expect(requestFingerprint({ userId, items: [{ sku: 'SKU-1', quantity: 2 }] })).not.toBe(
      requestFingerprint(body),
    );
  });

  it('places when nothing is stored under the key', () => {
    expect(placementUnderKey(null, { key: 'k', fingerprint: 'f' })).toEqual({ action: 'place' });
  });

  it('answers the stored order to the same request, whatever state it is in now', () => {
    const stored = { ...storedUnder('k', 'f'), status: 'CONFIRMED' as const, total: 19 };
    expect(placementUnderKey(stored, { key: 'k', fingerprint: 'f' })).toEqual({
      action: 'replay',
      order: stored,
    });
  });

  it('refuses another request under a used key', () => {
    const stored = storedUnder('k', 'f');
    expect(placementUnderKey(stored, { key: 'k', fingerprint: 'g' })).toEqual({
      action: 'refuse',
      order: stored,
    });
    // An order under that id placed by another key (or none) is never answered as this one's.
    expect(placementUnderKey(stored, { key: 'K', fingerprint: 'f' }).action).toBe('refuse');
    const { idempotency: _, ...unkeyed } = stored;
    expect(placementUnderKey(unkeyed, { key: 'k', fingerprint: 'f' }).action).toBe('refuse');
  });

  it('keeps the key and fingerprint on the order it places, not in its event', () => {
    const { order, event } = placeOrder({
      id: keyedOrderId(userId, 'k'),
      userId,
      items: body.items,
      now: new Date(),
      idempotency: { key: 'k', fingerprint: 'f' },
    });
    expect(order.idempotency).toEqual({ key: 'k', fingerprint: 'f' });
    expect(JSON.stringify(event.data)).not.toContain('"f"');
  });
});
