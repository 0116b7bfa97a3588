import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { type MsgHdrs, headers as natsHeaders } from '@nats-io/nats-core';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR, type Instruments, MESSAGING_SYSTEM } from '../instruments.js';
import type { BusLogger } from '../logger.js';
import { CE, DLQ, headerSetter, headerValue, isReservedHeader } from '../wire.js';
import type { DeadLetterReason } from './settle.js';

/** Why a message is dead-lettered, and where it came from. */
export interface Failure {
  reason: DeadLetterReason;
  message: string;
  deliveryCount: number;
  consumer: string;
  stream: string;
  streamSequence: number;
  subject: string;
  time: Date;
}

export interface DeadLetterLimits {
  /** The server's `max_payload` (headers and body together). */
  maxPayload: number;
  /** Longest body kept whole; a longer one is cut to an excerpt of this size. */
  maxExcerpt?: number;
  /** Original headers kept while their encoded size stays under this. */
  maxOriginalHeaderBytes?: number;
}

/** Headers that identify and trace the original: kept (bounded) even when the rest is dropped. */
const ESSENTIAL = new Set<string>([...Object.values(CE), 'content-type', 'traceparent', 'tracestate']);
const MAX_ORIGINAL_VALUE = 4_096;
const DEFAULT_ORIGINAL_HEADER_BYTES = 16 * 1024;
const DEFAULT_EXCERPT = 64 * 1024;
/** What the NATS protocol line and our own headers may take beside headers and body. */
const OVERHEAD = 2_048;

const encoder = new TextEncoder();

/**
 * The dead letter's headers: the original's (reserved `Nats-*` left off, so JetStream neither
 * refuses nor dedupes the copy; undecodable or oversized ones left off too, and named), then the
 * failure, every value sanitised and bounded.
 */
export function deadLetterHeaders(
  original: MsgHdrs | undefined,
  failure: Failure,
  maxOriginalBytes = DEFAULT_ORIGINAL_HEADER_BYTES,
): MsgHdrs {
  const out = natsHeaders();
  const dropped: string[] = [];
  let budget = maxOriginalBytes;
  const entries: Array<[string, string]> = [];
  if (original) {
    for (const key of original.keys()) for (const value of original.values(key)) entries.push([key, value]);
  }
  // Essential ones first, so a large block loses the rest before them.
  entries.sort(([a], [b]) => Number(ESSENTIAL.has(b.toLowerCase())) - Number(ESSENTIAL.has(a.toLowerCase())));
  for (const [key, raw] of entries) {
    if (isReservedHeader(key) || key.toLowerCase().startsWith('dlq-')) {
      dropped.push(key);
      continue;
    }
    const value = headerValue(raw, MAX_ORIGINAL_VALUE);
    const size = key.length + value.length + 4;
    if (size > budget) {
      dropped.push(key);
      continue;
    }
    try {
      out.append(key, value);
      budget -= size;
    } catch {
      dropped.push(key);
    }
  }
  out.set(DLQ.reason, failure.reason);
  out.set(DLQ.error, headerValue(failure.message) || '(no message)');
  out.set(DLQ.deliveryCount, String(failure.deliveryCount));
  out.set(DLQ.consumer, headerValue(failure.consumer, 256));
  out.set(DLQ.stream, headerValue(failure.stream, 256));
  out.set(DLQ.streamSequence, String(failure.streamSequence));
  out.set(DLQ.subject, headerValue(failure.subject, 512));
  out.set(DLQ.time, failure.time.toISOString());
  if (dropped.length > 0) {
    out.set(
      DLQ.droppedHeaders,
      headerValue([...new Set(dropped.map((k) => headerValue(k, 64)))].join(','), 512),
    );
  }
  return out;
}

/** The body, or its first bytes when headers and body would not fit in `max_payload`. */
export function fitBody(
  body: Uint8Array,
  headerBytes: number,
  limits: DeadLetterLimits,
): { body: Uint8Array; truncated: boolean } {
  const room = limits.maxPayload - headerBytes - OVERHEAD;
  const excerpt = Math.max(0, Math.min(limits.maxExcerpt ?? DEFAULT_EXCERPT, room));
  if (body.length <= room) return { body, truncated: false };
  return { body: body.subarray(0, excerpt), truncated: true };
}

export interface DeadLetterDeps {
  js: JetStreamClient;
  instruments: Instruments;
  /** Read at publish time: the server may change on reconnect. */
  maxPayload: () => number;
  publishTimeoutMs?: number;
}

/**
 * Publishes a dead letter to `dlq.<subject>` with its own producer span (a child of the
 * process span), as `Nats-Msg-Id` `dlq:<consumer>:<stream>:<sequence>` (a retried dead letter
 * is stored once). Resolves true when JetStream stored it; false (logged) when not.
 */
export class DeadLetterPublisher {
  constructor(private readonly deps: DeadLetterDeps) {}

  async publish(
    msg: JsMsg,
    original: MsgHdrs | undefined,
    failure: Failure,
    log: BusLogger,
  ): Promise<boolean> {
    const { tracer, sent } = this.deps.instruments;
    const subject = `dlq.${msg.subject}`;
    const attributes = {
      [ATTR.system]: MESSAGING_SYSTEM,
      [ATTR.destination]: subject,
      [ATTR.operationName]: 'send',
      [ATTR.operationType]: 'send',
    };
    const span = tracer.startSpan(`send ${subject}`, { kind: SpanKind.PRODUCER, attributes });
    try {
      const headers = deadLetterHeaders(original, failure);
      const limits = { maxPayload: this.deps.maxPayload() };
      const headerBytes = encoder.encode(headers.toString()).length;
      const fitted = fitBody(msg.data, headerBytes, limits);
      if (fitted.truncated) headers.set(DLQ.truncated, String(msg.data.length));
      // The dead letter continues the trace of the message's processing.
      propagation.inject(trace.setSpan(context.active(), span), headers, headerSetter);
      const msgID = `dlq:${failure.consumer}:${failure.stream}:${failure.streamSequence}`;
      if (span.isRecording())
        span.setAttributes({ [ATTR.messageId]: msgID, [ATTR.bodySize]: fitted.body.length });
      await this.deps.js.publish(subject, fitted.body, {
        headers,
        msgID,
        timeout: this.deps.publishTimeoutMs ?? 5_000,
      });
      sent.add(1, attributes);
      return true;
    } catch (error) {
      span.recordException(error instanceof Error ? error : new Error(String(error)));
      span.setStatus({ code: SpanStatusCode.ERROR });
      log.error({ err: error, reason: failure.reason, dlqSubject: subject }, 'dead-letter publish failed');
      return false;
    } finally {
      span.end();
    }
  }
}
