import { randomUUID } from 'node:crypto';
import {
  ClosedConnectionError,
  type MsgHdrs,
  type NatsConnection,
  errors as natsErrors,
  RequestError,
} from '@nats-io/nats-core';
import {
  type Context,
  context,
  isSpanContextValid,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { z } from 'zod';
import { AckPipeline } from './ack-pipeline.js';
import type { EventContract, EventData } from './contract.js';
import {
  BusError,
  ConnectionClosedError,
  type FieldIssue,
  InvalidEventDataError,
  NoStreamError,
  PublishTimeoutError,
} from './errors.js';
import {
  ATTR,
  attributeCache,
  forwardsParent,
  type Instruments,
  MESSAGING_SYSTEM,
  memo,
  NOT_RECORDING,
} from './instruments.js';
import { cloudEventHeaders, headerSetter, MSG_ID, setHeader } from './wire.js';

export interface PublishOptions {
  /** Event id: `ce-id` and `Nats-Msg-Id` (JetStream drops a second message with the same id). Default: a new UUID. */
  id?: string;
  /** CloudEvents `source`; default `/<connection name>`. */
  source?: string;
  /** CloudEvents `time`; default now. */
  time?: Date | string;
  /** How long to wait for the JetStream ack. Default: the bus's `publishTimeoutMs`. */
  timeoutMs?: number;
  /** Parent of the publish span, e.g. a trace context stored with an outbox row. Default: the active context. */
  parent?: Context;
  /** Extra headers (string values). */
  headers?: Record<string, string>;
}

export interface PublishAck {
  id: string;
  stream: string;
  seq: number;
  /** True when JetStream already held a message with this id (inside the duplicate window). */
  duplicate: boolean;
}

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** Maps nats.js errors to the bus's typed errors. */
export function publishError(error: unknown, subject: string, timeoutMs: number): BusError {
  if (error instanceof BusError) return error;
  // nats.js reports "no responders" for a JetStream publish as JetStreamNotEnabled, with the RequestError as cause.
  const cause = error instanceof Error ? error.cause : undefined;
  if (
    (error instanceof RequestError && error.isNoResponders()) ||
    (cause instanceof RequestError && cause.isNoResponders())
  ) {
    return new NoStreamError(subject, error);
  }
  if (
    error instanceof natsErrors.TimeoutError ||
    (error instanceof RequestError && error.cause instanceof natsErrors.TimeoutError)
  ) {
    return new PublishTimeoutError(subject, timeoutMs, error);
  }
  if (error instanceof ClosedConnectionError || error instanceof natsErrors.DrainingConnectionError) {
    return new ConnectionClosedError(`publish to ${subject}`, error);
  }
  return new BusError('PUBLISH_FAILED', `publish to ${subject} failed: ${String(error)}`, {
    context: { subject },
    cause: error,
  });
}

let isoMs = Number.NaN;
let iso = '';

/** `new Date().toISOString()`, made once a millisecond (the messages of one millisecond share it). */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    iso = new Date(now).toISOString();
  }
  return iso;
}

export interface PublisherDeps {
  /** The connection every publish and every ack travels on. */
  nc: NatsConnection;
  /** Prefix of the ack inbox: the connection's own. */
  inboxPrefix?: string;
  instruments: Instruments;
  source: string;
  timeoutMs: number;
  isClosed: () => boolean;
}

/**
 * Validates, stamps CloudEvents and trace headers, publishes, and waits for the JetStream ack.
 * Publishes are pipelined: callers may start many without awaiting each, and they share one
 * ack subscription and one timer (see `AckPipeline`); each still gets its own ack or error.
 */
export class Publisher {
  private readonly attributes = attributeCache((subject: string) => ({
    [ATTR.system]: MESSAGING_SYSTEM,
    [ATTR.destination]: subject,
    [ATTR.operationName]: 'send',
    [ATTR.operationType]: 'send',
  }));

  private readonly spanNames = memo((subject: string) => `send ${subject}`);

  private readonly acks: AckPipeline;

  constructor(private readonly deps: PublisherDeps) {
    this.acks = new AckPipeline(deps.nc, deps.inboxPrefix);
  }

  /** Publishes waiting for their ack. */
  get inFlight(): number {
    return this.acks.inFlight;
  }

  /** Fails publishes still waiting (after the connection drained, nothing more will arrive). */
  close(): void {
    this.acks.close();
  }

  /** Not `async` itself (one promise less per message); failures still arrive as rejections. */
  publish<E extends EventContract>(
    event: E,
    data: EventData<E>,
    options: PublishOptions = {},
  ): Promise<PublishAck> {
    if (this.deps.isClosed()) return Promise.reject(new ConnectionClosedError(`publish to ${event.subject}`));
    const parsed = event.strictSchema.safeParse(data);
    if (!parsed.success) {
      return Promise.reject(new InvalidEventDataError(event.subject, fieldIssues(parsed.error)));
    }
    // A Buffer: for a body of a few KiB Node takes it from its pool, where nats.js's
    // `TextEncoder` would give each message a backing store of its own.
    return this.send(event, Buffer.from(JSON.stringify(parsed.data)), options);
  }

  private async send(event: EventContract, body: Buffer, options: PublishOptions): Promise<PublishAck> {
    const { tracer, sent, operationDuration } = this.deps.instruments;
    const subject = event.subject;
    const id = options.id ?? randomUUID();
    const timeoutMs = options.timeoutMs ?? this.deps.timeoutMs;
    const parent = options.parent ?? context.active();
    const attributes = this.attributes(subject);
    // Under an unsampled parent the message is forwarded: no span, the parent's context travels on.
    const span = forwardsParent(this.deps.instruments, parent)
      ? NOT_RECORDING
      : tracer.startSpan(this.spanNames(subject), { kind: SpanKind.PRODUCER, attributes }, parent);
    if (span.isRecording()) span.setAttributes({ [ATTR.messageId]: id, [ATTR.bodySize]: body.length });
    const time = options.time instanceof Date ? options.time.toISOString() : (options.time ?? isoNow());
    const headers: MsgHdrs = cloudEventHeaders(
      {
        id,
        source: options.source ?? this.deps.source,
        type: event.type,
        time,
        dataschema: event.dataschema,
      },
      options.headers,
    );
    setHeader(headers, MSG_ID, id);
    // Without a valid span (forwarded, or no tracing configured) only what the parent carries is propagated.
    const carrierContext =
      span !== NOT_RECORDING && isSpanContextValid(span.spanContext()) ? trace.setSpan(parent, span) : parent;
    propagation.inject(carrierContext, headers, headerSetter);
    const started = performance.now();
    try {
      const ack = await this.acks.publish(subject, body, headers, timeoutMs);
      sent.add(1, attributes);
      operationDuration.record((performance.now() - started) / 1000, attributes);
      if (span.isRecording()) {
        span.setAttributes({
          [ATTR.streamName]: ack.stream,
          [ATTR.streamSequence]: ack.seq,
          'messaging.nats.duplicate': ack.duplicate,
        });
      }
      return { id, stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (error) {
      const failure = publishError(error, subject, timeoutMs);
      operationDuration.record((performance.now() - started) / 1000, {
        ...attributes,
        [ATTR.errorType]: failure.code,
      });
      span.recordException(failure);
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
      span.setAttribute(ATTR.errorType, failure.code);
      throw failure;
    } finally {
      span.end();
    }
  }
}
