import { createHash } from 'node:crypto';
import type { Order } from './order.js';

/**
 * Placing an order under an idempotency key (the `Idempotency-Key` request header of the IETF
 * httpapi draft), as pure rules: which order a key names, how a request is fingerprinted, and
 * what a request under a key gets given what is stored under it.
 */

/** What an order placed under a key keeps of it: the key, and the fingerprint of the request. */
export interface IdempotencyRecord {
  key: string;
  fingerprint: string;
}

/** A key: 1 to 255 visible ASCII characters, the header's value as sent. */
export const IDEMPOTENCY_KEY = /^[!-~]{1,255}$/;

/** Keeps these ids apart from any other name-based id built the same way. */
const ORDER_ID_NAMESPACE = 'order-service/idempotency-key';

/**
 * The id of the order that `userId` places under `key`: a name-based UUID (RFC 9562 version 8
 * over SHA-256, as in its appendix B.2) of the user and the key. One key of one user names one
 * order, so the order's own `_id` makes the key unique: a second insert under it is refused in
 * the same write that would store the order. Orders placed without a key have random (version
 * 4) ids and never meet these.
 */
export function keyedOrderId(userId: string, key: string): string {
  const hash = createHash('sha256').update(`${ORDER_ID_NAMESPACE}\0${userId}\0${key}`).digest();
  hash.writeUInt8((hash.readUInt8(6) & 0x0f) | 0x80, 6);
  hash.writeUInt8((hash.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * JSON with object members sorted by name and no white space (the shape of RFC 8785's
 * canonical JSON for the values a request body holds): equal requests give equal text however
 * their members were ordered.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The fingerprint of a request body: SHA-256 of its canonical JSON, in hex. */
export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** What a request under a key gets. */
export type KeyedPlacement =
  /** Nothing is stored under the key: place the order. */
  | { action: 'place' }
  /** The same request placed this order: answer it as the first success did, place nothing. */
  | { action: 'replay'; order: Order }
  /** The key was used for another request: refuse, place nothing. */
  | { action: 'refuse'; order: Order };

/**
 * The answer to a request under `request.key` with `request.fingerprint`, given the order stored
 * under that key's id (`keyedOrderId`), or null when there is none.
 */
export function placementUnderKey(stored: Order | null, request: IdempotencyRecord): KeyedPlacement {
  if (stored === null) return { action: 'place' };
  const placedUnder = stored.idempotency;
  if (placedUnder?.key === request.key && placedUnder.fingerprint === request.fingerprint) {
    return { action: 'replay', order: stored };
  }
  return { action: 'refuse', order: stored };
}
