import type { MsgHdrs } from '@nats-io/nats-core';
import type { EventContract, EventData } from '../contract.js';
import type { FieldIssue } from '../errors.js';
import { fieldIssues } from '../publisher.js';
import type { VersionRead } from '../versioning.js';
import { CE } from '../wire.js';
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
 * every field name printable ASCII (33–126), no lone CR or LF inside a field. Scans the bytes,
 * allocates nothing, so the happy path never pays for decoding headers nobody reads.
 */
export function headerBlockDecodes(block: Uint8Array): boolean {
  const n = block.length;
  let start = lineEnd(block, 0) + 2; // the status line ("NATS/1.0 …") is not validated
  while (start < n) {
    const end = Math.min(lineEnd(block, start), n);
    if (!fieldDecodes(block, start, end)) return false;
    start = end + 2;
  }
  return true;
}

/** Index of the next CRLF at or after `from` (or the length). */
function lineEnd(block: Uint8Array, from: number): number {
  for (let i = from; i + 1 < block.length; i++) if (block[i] === 13 && block[i + 1] === 10) return i;
  return block.length;
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

/** One `name: value` line as nats.js reads it: no colon → ignored; else name 33–126, trimmed value without CR/LF. */
function fieldDecodes(block: Uint8Array, start: number, end: number): boolean {
  let colon = -1;
  for (let i = start; i < end; i++) {
    if (block[i] === 58) {
      colon = i;
      break;
    }
  }
  if (colon === -1) return true;
  for (let i = start; i < colon; i++) {
    const c = block[i] as number;
    if (c < 33 || c > 126) return false;
  }
  let from = colon + 1;
  let to = end;
  while (from < to && isSpace(block[from] as number)) from++;
  while (to > from && isSpace(block[to - 1] as number)) to--;
  for (let i = from; i < to; i++) if (block[i] === 13 || block[i] === 10) return false;
  return true;
}

interface RawNatsMessage {
  msg?: { _rdata?: unknown; _msg?: { hdr?: unknown } };
}

/** Whether the message's header block decodes, without decoding it (falls back to decoding). */
export function checkHeaders(message: RawMessage): Decoded<undefined> {
  const raw = (message as RawNatsMessage).msg;
  const hdr = raw?._msg?.hdr;
  const data = raw?._rdata;
  let ok: boolean;
  if (typeof hdr === 'number' && data instanceof Uint8Array) {
    ok = hdr <= 0 || headerBlockDecodes(data.subarray(0, hdr));
  } else {
    try {
      void message.headers;
      ok = true;
    } catch {
      ok = false;
    }
  }
  return ok
    ? { ok: true, data: undefined }
    : {
        ok: false,
        reason: 'headers_invalid',
        message: 'header block does not decode (a field name that is not printable ASCII, or a lone CR/LF)',
      };
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
 * upcast to the event's version, or is poison as `unsupported_version`.
 */
export function decode<E extends EventContract>(
  event: E,
  message: RawMessage,
  read?: VersionRead<EventData<E>>,
): Decoded<EventData<E>> {
  const headers = checkHeaders(message);
  if (!headers.ok) return headers;
  const json = parseJson(message.data);
  if (!json.ok) return json;
  if (!read) return validate(event, json.data);
  const type = message.headers?.has(CE.type) ? message.headers.get(CE.type) : undefined;
  const resolved = read(type, json.data);
  if (resolved.ok) return { ok: true, data: resolved.data };
  return {
    ok: false,
    reason: resolved.reason,
    message: resolved.message,
    ...(resolved.issues && { issues: [...resolved.issues] }),
  };
}
