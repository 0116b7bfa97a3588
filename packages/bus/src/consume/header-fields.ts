import type { MsgHdrs } from '@nats-io/nats-core';

/**
 * A received message's header block, read in one pass over its bytes: whether nats.js would
 * decode it, and where each field lies. A value is decoded only when asked for, so the hot path
 * never builds nats.js's `MsgHdrs` (which canonicalises, validates and copies every field) just
 * to read `traceparent` or `ce-type`. Reads answer what `MsgHdrs.get` (exact match, first value)
 * would answer for the same block.
 */
export interface HeaderFields {
  /** False when nats.js would throw on decoding the block. */
  readonly valid: boolean;
  /** The first value of the field named exactly `name`, or undefined when there is none (or the block is invalid). */
  get(name: string): string | undefined;
  /** Field names in order of first appearance (none when the block is invalid). */
  keys(): string[];
}

/** What `headerFields` reads of a message: nats.js's raw bytes when it can reach them, else `headers`. */
export interface HeaderSource {
  /** May throw: nats.js decodes the block lazily. */
  readonly headers?: MsgHdrs;
}

interface RawNatsMessage {
  msg?: { _rdata?: unknown; _msg?: { hdr?: unknown } };
}

const text = new TextDecoder();
const CR = 13;
const LF = 10;
const COLON = 58;
// A line break left in a value after String.prototype.trim: what nats.js refuses.
const LINE_BREAK = /[\r\n]/;

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

const NONE: HeaderFields = Object.freeze({ valid: true, get: () => undefined, keys: () => [] });
const INVALID: HeaderFields = Object.freeze({ valid: false, get: () => undefined, keys: () => [] });

/** The header fields of a message: from its raw header bytes when reachable (a nats.js message), else through `headers`. */
export function headerFields(message: HeaderSource): HeaderFields {
  const raw = (message as RawNatsMessage).msg;
  const hdr = raw?._msg?.hdr;
  const data = raw?._rdata;
  if (typeof hdr === 'number' && data instanceof Uint8Array) {
    return hdr <= 0 ? NONE : scanHeaderBlock(data.subarray(0, hdr));
  }
  let headers: MsgHdrs | undefined;
  try {
    headers = message.headers;
  } catch {
    return INVALID;
  }
  return headers ? new DecodedFields(headers) : NONE;
}

/** Reads a raw NATS header block (`NATS/1.0 …\r\nname: value\r\n…\r\n\r\n`). */
export function scanHeaderBlock(block: Uint8Array): HeaderFields {
  // A Buffer view of the same bytes (no copy; a message read from the socket already is one).
  const bytes = Buffer.isBuffer(block)
    ? block
    : Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  const fields = new BlockFields(bytes);
  return fields.valid ? fields : INVALID;
}

/** Index of the next CRLF at or after `from` (or the length). */
function lineEnd(block: Uint8Array, from: number): number {
  const n = block.length - 1;
  for (let i = from; i < n; i++) if (block[i] === CR && block[i + 1] === LF) return i;
  return block.length;
}

/**
 * The text of a value whose ends are already free of ASCII whitespace. Bytes all below 0x80 (a
 * `traceparent`, a `ce-type`) are the same text in Latin-1 as in UTF-8, read without a decoder;
 * String.prototype.trim would find nothing more to remove (its ASCII whitespace is exactly
 * `isSpace`). Anything else is decoded as UTF-8 and trimmed, as nats.js does.
 */
function valueText(block: Buffer, from: number, to: number): string {
  for (let i = from; i < to; i++) {
    if ((block[i] as number) >= 0x80) return text.decode(block.subarray(from, to)).trim();
  }
  return block.toString('latin1', from, to);
}

/**
 * One pass: for each `name: value` line (a line without a colon is ignored, as nats.js does), the
 * name must be printable ASCII (33–126) and the trimmed value must hold no CR or LF.
 */
class BlockFields implements HeaderFields {
  readonly valid: boolean;
  /** Per field: name start, name end (the colon), value start, value end (before trimming). */
  private readonly spans: number[] = [];

  constructor(private readonly block: Buffer) {
    this.valid = this.scan();
  }

  private scan(): boolean {
    const { block, spans } = this;
    const n = block.length;
    let start = lineEnd(block, 0) + 2; // the status line ("NATS/1.0 …") is not validated
    while (start < n) {
      const end = Math.min(lineEnd(block, start), n);
      let colon = -1;
      for (let i = start; i < end; i++) {
        const c = block[i] as number;
        if (c === COLON) {
          colon = i;
          break;
        }
        if (c < 33 || c > 126) {
          // Not a name character: invalid, unless the line has no colon at all (then nats.js ignores it).
          if (block.subarray(i, end).includes(COLON)) return false;
          break;
        }
      }
      if (colon !== -1) {
        for (let i = colon + 1; i < end; i++) {
          const c = block[i] as number;
          if ((c === CR || c === LF) && !this.breakIsTrimmed(colon + 1, end)) return false;
        }
        spans.push(start, colon, colon + 1, end);
      }
      start = end + 2;
    }
    return true;
  }

  /** A lone CR or LF is allowed only where trimming removes it: decide on the decoded value, as nats.js does. */
  private breakIsTrimmed(from: number, to: number): boolean {
    return !LINE_BREAK.test(text.decode(this.block.subarray(from, to)).trim());
  }

  private nameIs(field: number, name: string): boolean {
    const from = this.spans[field] as number;
    const to = this.spans[field + 1] as number;
    if (to - from !== name.length) return false;
    for (let i = 0; i < name.length; i++) if (this.block[from + i] !== name.charCodeAt(i)) return false;
    return true;
  }

  get(name: string): string | undefined {
    const { spans, block } = this;
    for (let f = 0; f < spans.length; f += 4) {
      if (!this.nameIs(f, name)) continue;
      let from = spans[f + 2] as number;
      let to = spans[f + 3] as number;
      // ASCII whitespace off both ends first (cheap), then String.prototype.trim for the rest, as nats.js.
      while (from < to && isSpace(block[from] as number)) from++;
      while (to > from && isSpace(block[to - 1] as number)) to--;
      return valueText(block, from, to);
    }
    return undefined;
  }

  keys(): string[] {
    const names: string[] = [];
    const { spans, block } = this;
    for (let f = 0; f < spans.length; f += 4) {
      // Names are printable ASCII (the scan checked): Latin-1 reads them as UTF-8 would.
      const name = block.toString('latin1', spans[f] as number, spans[f + 1] as number);
      if (!names.includes(name)) names.push(name);
    }
    return names;
  }
}

/** Fields of headers nats.js already decoded (a message built in memory, a test double). */
class DecodedFields implements HeaderFields {
  readonly valid = true;

  constructor(private readonly headers: MsgHdrs) {}

  get(name: string): string | undefined {
    return this.headers.has(name) ? this.headers.get(name) : undefined;
  }

  keys(): string[] {
    return this.headers.keys();
  }
}
