import type { MsgHdrs } from '@nats-io/nats-core';
import type { EventContract, EventData } from '../contract.js';
import type { FieldIssue } from '../errors.js';
import { fieldIssues } from '../publisher.js';
import type { VersionRead } from '../versioning.js';
import { CE } from '../wire.js';
import { type HeaderFields, headerFields, scanHeaderBlock } from './header-fields.js';
import type { PoisonReason } from './settle.js';

/**
 * Decode, pure: a message's bytes and headers → the event's data, or the reason it is poison.
 * Never throws, whatever the bytes. This is the seam where contract versions plug in: a
 * decoder gets the raw message and the contract and answers data or a poison reason.
 */
export type Decoded<T> =
  | { ok: true; data: T }
  | { ok: false; reason: PoisonReason; message: string; issues?: FieldIssue[] };

/** What decode reads of a message; `headers` may throw (nats.js decodes the block lazily). */
export interface RawMessage {
  readonly data: Uint8Array;
  readonly headers?: MsgHdrs;
}

/** JSON text must be UTF-8 (RFC 8259): invalid bytes are poison, not silently replaced. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

const MAX_ERROR_EXCERPT = 200;

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_ERROR_EXCERPT ? `${text.slice(0, MAX_ERROR_EXCERPT)}…` : text;
}

/**
 * Whether a raw NATS header block would decode in nats.js (which decodes it lazily and throws):
 * every field name printable ASCII (33–126), no lone CR or LF inside a field. Scans the bytes
 * once, so the happy path never pays for decoding headers nobody reads.
 */
export function headerBlockDecodes(block: Uint8Array): boolean {
  return scanHeaderBlock(block).valid;
}

const HEADERS_INVALID: Decoded<never> = Object.freeze({
  ok: false,
  reason: 'headers_invalid',
  message: 'header block does not decode (a field name that is not printable ASCII, or a lone CR/LF)',
});

/** Whether the message's header block decodes, without decoding it (falls back to decoding). */
export function checkHeaders(message: RawMessage, fields = headerFields(message)): Decoded<undefined> {
  return fields.valid ? { ok: true, data: undefined } : HEADERS_INVALID;
}

export function parseJson(bytes: Uint8Array): Decoded<unknown> {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'unparseable', message: 'payload is not valid UTF-8' };
  }
  try {
    return { ok: true, data: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: 'unparseable', message: `payload is not JSON: ${describe(error)}` };
  }
}

export function validate<E extends EventContract>(event: E, raw: unknown): Decoded<EventData<E>> {
  const parsed = event.schema.safeParse(raw);
  if (parsed.success) return { ok: true, data: parsed.data as EventData<E> };
  const issues = fieldIssues(parsed.error);
  return {
    ok: false,
    reason: 'schema_invalid',
    message: `payload does not match ${event.type}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
    issues,
  };
}

/**
 * Headers that decode, a UTF-8 JSON body, and data that satisfies the event's schema; with a
 * version reader (`versionReader`), the body is read by the version its `ce-type` names and
 * upcast to the event's version, or is poison as `unsupported_version`. `fields`: the message's
 * header fields when the caller already read them (the header block is then scanned once).
 */
export function decode<E extends EventContract>(
  event: E,
  message: RawMessage,
  read?: VersionRead<EventData<E>>,
  fields: HeaderFields = headerFields(message),
): Decoded<EventData<E>> {
  if (!fields.valid) return HEADERS_INVALID;
  const json = parseJson(message.data);
  if (!json.ok) return json;
  if (!read) return validate(event, json.data);
  const type = fields.get(CE.type);
  const resolved = read(type, json.data);
  if (resolved.ok) return { ok: true, data: resolved.data };
  return {
    ok: false,
    reason: resolved.reason,
    message: resolved.message,
    ...(resolved.issues && { issues: [...resolved.issues] }),
  };
}
