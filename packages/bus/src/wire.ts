import {
  canonicalMIMEHeaderKey,
  type Match,
  type MsgHdrs,
  MsgHdrsImpl,
  headers as natsHeaders,
} from '@nats-io/nats-core';
import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';

/** CloudEvents 1.0 binary content mode over NATS: event attributes travel as `ce-*` headers. */
export const CE = {
  specversion: 'ce-specversion',
  id: 'ce-id',
  source: 'ce-source',
  type: 'ce-type',
  time: 'ce-time',
  dataschema: 'ce-dataschema',
} as const;
export const CONTENT_TYPE = 'content-type';
export const MSG_ID = 'Nats-Msg-Id';

/** Headers a dead letter carries besides the original ones. */
export const DLQ = {
  reason: 'dlq-reason',
  error: 'dlq-error',
  deliveryCount: 'dlq-delivery-count',
  consumer: 'dlq-consumer',
  stream: 'dlq-stream',
  streamSequence: 'dlq-stream-sequence',
  subject: 'dlq-subject',
  time: 'dlq-time',
  /** Set when the body is an excerpt: the original's size in bytes (fetch it by stream and sequence). */
  truncated: 'dlq-truncated',
  /** Original headers left off (reserved `Nats-*`, undecodable, or too large), comma-separated. */
  droppedHeaders: 'dlq-dropped-headers',
} as const;

/** Longest header value the SDK writes (an error text, a reason). */
export const MAX_HEADER_VALUE = 1024;

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/g;
const ESCAPES: Record<string, string> = { '\r': '\\r', '\n': '\\n', '\t': ' ', '\u0000': '\\0' };

/**
 * Text made safe for a NATS header value (and a `term` reason): CR, LF, NUL and other control
 * characters become visible escapes, and the result is at most `max` characters (an ellipsis
 * marks a cut; a surrogate pair is never split).
 */
export function headerValue(text: string, max = MAX_HEADER_VALUE): string {
  let clean = text.replace(
    CONTROL,
    (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  clean = clean.trim();
  if (clean.length <= max) return clean;
  let end = Math.max(0, max - 1);
  const last = clean.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${clean.slice(0, end)}…`;
}

/** JetStream's own headers (`Nats-Msg-Id`, `Nats-Expected-*`, `Nats-Rollup`, `Nats-TTL`, batch headers…). */
export function isReservedHeader(name: string): boolean {
  return name.length >= 5 && name.slice(0, 5).toLowerCase() === 'nats-';
}

export interface CloudEventAttributes {
  id: string;
  source: string;
  type: string;
  time: string;
  /** CloudEvents `dataschema`: the schema of this version of the event. */
  dataschema?: string;
}

/** Header names already checked (the SDK's own and the few a service adds): checked once, not per message. */
const checkedNames = new Set<string>();
const MAX_CHECKED_NAMES = 1024;

/** A header name nats.js accepts (printable ASCII, no colon); throws nats.js's `InvalidArgumentError` otherwise. */
function checkedName(name: string): string {
  if (!checkedNames.has(name)) {
    canonicalMIMEHeaderKey(name);
    if (checkedNames.size < MAX_CHECKED_NAMES) checkedNames.add(name);
  }
  return name;
}

/** Values that repeat on every message of a kind (type, dataschema, source), checked once each. */
const checkedValues = new Map<string, string>();

/** `MsgHdrsImpl.validHeaderValue` (CR/LF refused, trimmed), remembered for a value that repeats. */
function repeatedValue(value: string): string {
  let checked = checkedValues.get(value);
  if (checked === undefined) {
    checked = MsgHdrsImpl.validHeaderValue(value);
    if (checkedValues.size < MAX_CHECKED_NAMES) checkedValues.set(value, checked);
  }
  return checked;
}

/**
 * Sets one header as `MsgHdrs.set` does (exact name, the value checked for CR/LF and trimmed by
 * nats.js's own rule), without its search over the fields already set. Headers nats.js did not
 * make are set through their own `set`.
 */
export function setHeader(h: MsgHdrs, name: string, value: string): void {
  if (h instanceof MsgHdrsImpl) h.headers.set(checkedName(name), [MsgHdrsImpl.validHeaderValue(value)]);
  else h.set(name, value);
}

/** The header lines every message of one kind carries (specversion, source, type, dataschema, content type), encoded once. */
interface HeaderTemplate {
  source: string;
  dataschema: string | undefined;
  /** Names and values; each value list is frozen and shared by every message of the kind. */
  fields: readonly (readonly [name: string, values: readonly string[]])[];
  /** `NATS/1.0` and the fields' lines, as nats.js's `MsgHdrsImpl.toString` writes them. */
  text: string;
}

const HEADER_LINE = 'NATS/1.0';
/** By type, then source and dataschema (a service publishes a handful of kinds, from one source). */
const templates = new Map<string, HeaderTemplate[]>();
let templateCount = 0;

function headerTemplate(source: string, type: string, dataschema: string | undefined): HeaderTemplate {
  let ofType = templates.get(type);
  if (ofType !== undefined) {
    for (const t of ofType) if (t.source === source && t.dataschema === dataschema) return t;
  }
  const fields: (readonly [string, readonly string[]])[] = [
    [CE.specversion, ['1.0']],
    [CE.source, [repeatedValue(source)]],
    [CE.type, [repeatedValue(type)]],
  ];
  if (dataschema) fields.push([CE.dataschema, [repeatedValue(dataschema)]]);
  fields.push([CONTENT_TYPE, ['application/json']]);
  let text = HEADER_LINE;
  for (const [name, values] of fields) {
    Object.freeze(values);
    text += `\r\n${name}: ${values[0]}`;
  }
  const template: HeaderTemplate = { source, dataschema, fields, text };
  if (templateCount < MAX_CHECKED_NAMES) {
    if (ofType === undefined) {
      ofType = [];
      templates.set(type, ofType);
    }
    ofType.push(template);
    templateCount += 1;
  }
  return template;
}

/**
 * The headers of one published message: nats.js's own `MsgHdrsImpl` (every read and write
 * behaves as nats.js's), whose `encode` starts from the text of the lines every message of its
 * kind shares, made once, and writes only the rest (id, time, `Nats-Msg-Id`, trace context,
 * extra headers); once a shared field is changed, removed or given a second value, it writes
 * nats.js's `toString`. The bytes are a `Buffer` (UTF-8, as nats.js's `TextEncoder`), which for
 * a short block comes from Node's pool instead of a backing store of its own.
 */
export class PublishHeaders extends MsgHdrsImpl {
  constructor(private readonly template: HeaderTemplate) {
    super();
    // The shared lists are frozen: `append` below copies one before adding to it.
    for (const [name, values] of template.fields) this.headers.set(name, values as string[]);
  }

  override append(k: string, v: string, match?: Match): void {
    for (const [name, values] of this.headers) {
      if (Object.isFrozen(values)) this.headers.set(name, [...values]);
    }
    super.append(k, v, match);
  }

  override encode(): Uint8Array {
    const { fields, text } = this.template;
    if (this._code !== 0 || this.headers.size < fields.length) return Buffer.from(this.toString());
    let index = 0;
    let rest = '';
    for (const [name, values] of this.headers) {
      if (index < fields.length) {
        // Still the shared list, in its place: its line is in `text`.
        if (values !== (fields[index] as readonly [string, readonly string[]])[1]) {
          return Buffer.from(this.toString());
        }
        index += 1;
        continue;
      }
      for (const value of values) rest += `\r\n${name}: ${value}`;
    }
    return Buffer.from(`${text}${rest}\r\n\r\n`);
  }
}

/** The CloudEvents headers of one message (and `extra`, which may replace them). Throws on a name or value nats.js refuses. */
export function cloudEventHeaders(
  attributes: CloudEventAttributes,
  extra?: Record<string, string>,
): PublishHeaders {
  const h = new PublishHeaders(headerTemplate(attributes.source, attributes.type, attributes.dataschema));
  const fields = h.headers;
  fields.set(CE.id, [MsgHdrsImpl.validHeaderValue(attributes.id)]);
  fields.set(CE.time, [MsgHdrsImpl.validHeaderValue(attributes.time)]);
  if (extra) for (const [k, v] of Object.entries(extra)) setHeader(h, k, v);
  return h;
}

/** All headers as a plain record (first value of each). */
export function headerRecord(h: MsgHdrs | undefined): Record<string, string> {
  if (!h) return {};
  const out: Record<string, string> = {};
  for (const key of h.keys()) out[key] = h.get(key);
  return out;
}

export function copyHeaders(h: MsgHdrs | undefined): MsgHdrs {
  const copy = natsHeaders();
  if (!h) return copy;
  for (const key of h.keys()) for (const value of h.values(key)) copy.append(key, value);
  return copy;
}

/** OpenTelemetry propagation over NATS headers (traceparent, tracestate, baggage). */
export const headerSetter: TextMapSetter<MsgHdrs> = {
  set: setHeader,
};

export const recordGetter: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

export const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};
