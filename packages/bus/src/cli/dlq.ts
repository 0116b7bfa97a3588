import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type StoredMsg,
} from '@nats-io/jetstream';
import { type MsgHdrs, type NatsConnection, headers as natsHeaders } from '@nats-io/nats-core';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { INSTRUMENTATION_SCOPE } from '../instruments.js';
import { CE, DLQ, headerRecord, headerSetter, isReservedHeader } from '../wire.js';

/**
 * The dead-letter stream, read and acted on: list, show, replay, drop. Pure reading of the
 * stream (direct gets by sequence); replay publishes to the original subject.
 */

export interface DeadLetterSummary {
  seq: number;
  /** The subject the original was published on. */
  subject: string;
  reason: string;
  error: string;
  consumer: string;
  deliveryCount: number;
  /** When the dead letter was written. */
  time: Date;
  stream: string;
  streamSequence: number;
  eventId?: string;
  truncated?: number;
}

export interface DeadLetterFilter {
  subject?: string;
  reason?: string;
}

export function summarize(msg: Pick<StoredMsg, 'seq' | 'subject' | 'header' | 'time'>): DeadLetterSummary {
  const h = msg.header;
  const get = (key: string) => (h.has(key) ? h.get(key) : '');
  const truncated = Number(get(DLQ.truncated));
  return {
    seq: msg.seq,
    subject: get(DLQ.subject) || msg.subject.replace(/^dlq\./, ''),
    reason: get(DLQ.reason),
    error: get(DLQ.error),
    consumer: get(DLQ.consumer),
    deliveryCount: Number(get(DLQ.deliveryCount)) || 0,
    time: get(DLQ.time) ? new Date(get(DLQ.time)) : msg.time,
    stream: get(DLQ.stream),
    streamSequence: Number(get(DLQ.streamSequence)) || 0,
    eventId: get(CE.id) || undefined,
    truncated: truncated > 0 ? truncated : undefined,
  };
}

export function matches(summary: DeadLetterSummary, filter: DeadLetterFilter): boolean {
  if (filter.subject && !subjectMatches(filter.subject, summary.subject)) return false;
  if (filter.reason && summary.reason !== filter.reason) return false;
  return true;
}

/** NATS wildcards: `*` one token, `>` the rest. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/** The id a replay publishes under: the same for every replay of one dead letter (JetStream dedupes). */
export function replayMessageId(
  summary: Pick<DeadLetterSummary, 'stream' | 'streamSequence' | 'consumer'>,
): string {
  return `replay:${summary.consumer}:${summary.stream}:${summary.streamSequence}`;
}

export class DeadLetterStream {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
  ) {}

  static async open(nc: NatsConnection, stream = 'DLQ'): Promise<DeadLetterStream> {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.info(stream);
    return new DeadLetterStream(jetstream(nc), jsm, stream);
  }

  /** Every dead letter, oldest first (bounded by `limit`). */
  async list(filter: DeadLetterFilter = {}, limit = 10_000): Promise<DeadLetterSummary[]> {
    const info = await this.jsm.streams.info(this.stream);
    const out: DeadLetterSummary[] = [];
    if (info.state.messages === 0) return out;
    // An ordered consumer from the start: one pass, no acks, nothing left behind on the server.
    const consumer = await this.js.consumers.get(this.stream);
    for (;;) {
      const msg = await consumer.next({ expires: 2_000 });
      if (!msg) break;
      const summary = summarize({
        seq: msg.seq,
        subject: msg.subject,
        header: msg.headers ?? natsHeaders(),
        time: new Date(msg.info.timestampNanos / 1_000_000),
      });
      if (matches(summary, filter)) out.push(summary);
      if (msg.info.pending === 0 || out.length >= limit) break;
    }
    return out;
  }

  async get(seq: number): Promise<StoredMsg | null> {
    try {
      return await this.jsm.streams.getMessage(this.stream, { seq });
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** The original's body: the dead letter's, or (when it holds an excerpt) the original stream's message. */
  async originalBody(msg: StoredMsg): Promise<Uint8Array> {
    const summary = summarize(msg);
    if (!summary.truncated) return msg.data;
    const original = await this.jsm.streams
      .getMessage(summary.stream, { seq: summary.streamSequence })
      .catch(() => null);
    if (!original) {
      throw new Error(
        `dead letter ${msg.seq} holds an excerpt and the original (${summary.stream} #${summary.streamSequence}) is no longer in its stream`,
      );
    }
    return original.data;
  }

  /**
   * Publishes the original again to its subject: its headers (not the dead-letter ones), its
   * event id, `Nats-Msg-Id` derived from the original (a second replay is a duplicate), and a
   * `replay <subject>` span linked to the original trace.
   */
  async replay(
    seq: number,
  ): Promise<{ summary: DeadLetterSummary; duplicate: boolean; seq: number; id: string }> {
    const msg = await this.get(seq);
    if (!msg) throw new Error(`no dead letter at sequence ${seq} of ${this.stream}`);
    const summary = summarize(msg);
    const body = await this.originalBody(msg);
    const headers = replayHeaders(msg.header);
    const original = propagation.extract(ROOT_CONTEXT, headerRecord(msg.header), {
      keys: (c) => Object.keys(c),
      get: (c, k) => c[k],
    });
    const originalSpan = trace.getSpanContext(original);
    const span = trace.getTracer(INSTRUMENTATION_SCOPE).startSpan(
      `replay ${summary.subject}`,
      {
        kind: SpanKind.PRODUCER,
        root: true,
        links: originalSpan ? [{ context: originalSpan }] : [],
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': summary.subject,
          'messaging.operation.type': 'send',
          'messaging.message.id': summary.eventId ?? '',
          'dlq.sequence': seq,
          'dlq.reason': summary.reason,
          ...(originalSpan ? { 'dlq.original.trace_id': originalSpan.traceId } : {}),
        },
      },
      ROOT_CONTEXT,
    );
    // With an SDK, the replay starts its own trace linked to the original; without one, the
    // message keeps the original trace context, so its processing still joins the original trace.
    if (span.isRecording()) {
      headers.delete('traceparent');
      headers.delete('tracestate');
      propagation.inject(trace.setSpan(context.active(), span), headers, headerSetter);
    }
    const id = replayMessageId(summary);
    try {
      const ack = await this.js.publish(summary.subject, body, { headers, msgID: id });
      span.setAttribute('messaging.nats.duplicate', ack.duplicate);
      return { summary, duplicate: ack.duplicate, seq: ack.seq, id };
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  async drop(seq: number): Promise<boolean> {
    try {
      return await this.jsm.streams.deleteMessage(this.stream, seq, false);
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

/** The original headers of a dead letter: not the `dlq-*` ones, not JetStream's. */
export function replayHeaders(h: MsgHdrs): MsgHdrs {
  const out = natsHeaders();
  for (const key of h.keys()) {
    if (key.toLowerCase().startsWith('dlq-') || isReservedHeader(key)) continue;
    for (const value of h.values(key)) out.append(key, value);
  }
  return out;
}

function isNotFound(error: unknown): boolean {
  const text = String(error instanceof Error ? error.message : error);
  return /no message found|not found|10037/i.test(text);
}
