import type { JsMsg } from '@nats-io/jetstream';
import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { ATTR, forwardsParent, type Instruments, NOT_RECORDING } from '../instruments.js';
import type { HeaderFields } from './header-fields.js';

/** Trace headers read straight from the message's header fields (decoded only if a propagator asks). */
export const fieldsGetter: TextMapGetter<HeaderFields> = {
  keys: (carrier) => carrier.keys(),
  get: (carrier, key) => carrier.get(key),
};

/** The context a message's trace headers carry; a malformed `traceparent` or header block starts a new trace. */
export function parentContext(fields: HeaderFields): Context {
  try {
    return propagation.extract(ROOT_CONTEXT, fields, fieldsGetter);
  } catch {
    return ROOT_CONTEXT;
  }
}

/**
 * The process span and metrics of one delivery: one object a message, no closures, and nothing
 * computed for a span that does not record.
 */
export class ProcessTrace {
  readonly span: Span;
  private readonly started = performance.now();
  /** The span's context when it is valid, or the forwarded parent's (else there is nothing to carry into the handler). */
  private readonly active?: Context;

  constructor(
    private readonly instruments: Instruments,
    spanName: string,
    private readonly attributes: Attributes,
    msg: JsMsg,
    fields: HeaderFields,
    message: { readonly eventId: string },
  ) {
    const parent = parentContext(fields);
    if (forwardsParent(instruments, parent)) {
      // Forwarded: no span; the handler runs in the producer's context, so its logs carry the
      // trace and what it publishes continues it (sampled flag off).
      this.span = NOT_RECORDING;
      this.active = parent;
      return;
    }
    const span = instruments.tracer.startSpan(spanName, { kind: SpanKind.CONSUMER, attributes }, parent);
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR.messageId]: message.eventId,
        [ATTR.deliveryCount]: msg.info.deliveryCount,
        [ATTR.streamName]: msg.info.stream,
        [ATTR.streamSequence]: msg.seq,
        [ATTR.bodySize]: msg.data.length,
      });
    }
    this.span = span;
    if (isSpanContextValid(span.spanContext())) this.active = trace.setSpan(parent, span);
  }

  /** Runs `fn` with the span active (so the handler's logs and client spans join the trace). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.active ? context.with(this.active, fn) : fn();
  }

  fail(error: unknown, errorType: string): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.span.recordException(err);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    this.span.setAttribute(ATTR.errorType, errorType);
  }

  end(errorType?: string): void {
    this.instruments.processDuration.record(
      (performance.now() - this.started) / 1000,
      errorType ? { ...this.attributes, [ATTR.errorType]: errorType } : this.attributes,
    );
    this.span.end();
  }
}

/** Starts the process span of a delivery (see `ProcessTrace`). */
export function startProcessTrace(
  instruments: Instruments,
  spanName: string,
  attributes: Attributes,
  msg: JsMsg,
  fields: HeaderFields,
  message: { readonly eventId: string },
): ProcessTrace {
  return new ProcessTrace(instruments, spanName, attributes, msg, fields, message);
}
