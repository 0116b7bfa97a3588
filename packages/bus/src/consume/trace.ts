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
  trace,
} from '@opentelemetry/api';
import { ATTR, type Instruments } from '../instruments.js';
import { messageGetter } from '../wire.js';

/**
 * The process span and metrics of one delivery. The message is the carrier: its headers are
 * decoded only if a propagator reads them; a header block that does not decode, or a malformed
 * `traceparent`, starts a new trace instead of failing.
 */
export interface ProcessTrace {
  span: Span;
  /** Runs `fn` with the span active (so the handler's logs and client spans join the trace). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  fail(error: unknown, errorType: string): void;
  end(errorType?: string): void;
}

export function parentContext(msg: JsMsg): Context {
  try {
    // The message itself is the carrier: headers are decoded only if a propagator reads them
    // (and one that does not decode starts a new trace).
    return propagation.extract(ROOT_CONTEXT, msg, messageGetter);
  } catch {
    return ROOT_CONTEXT;
  }
}

export function startProcessTrace(
  instruments: Instruments,
  spanName: string,
  attributes: Attributes,
  msg: JsMsg,
  eventId: () => string,
): ProcessTrace {
  const parent = parentContext(msg);
  const span = instruments.tracer.startSpan(spanName, { kind: SpanKind.CONSUMER, attributes }, parent);
  if (span.isRecording()) {
    span.setAttributes({
      [ATTR.messageId]: eventId(),
      [ATTR.deliveryCount]: msg.info.deliveryCount,
      [ATTR.streamName]: msg.info.stream,
      [ATTR.streamSequence]: msg.seq,
      [ATTR.bodySize]: msg.data.length,
    });
  }
  const started = performance.now();
  // Without a valid span (no tracing configured) there is no context to carry into the handler.
  const active = isSpanContextValid(span.spanContext()) ? trace.setSpan(parent, span) : undefined;
  return {
    span,
    run: (fn) => (active ? context.with(active, fn) : fn()),
    fail(error, errorType) {
      const err = error instanceof Error ? error : new Error(String(error));
      span.recordException(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      span.setAttribute(ATTR.errorType, errorType);
    },
    end(errorType) {
      instruments.processDuration.record(
        (performance.now() - started) / 1000,
        errorType ? { ...attributes, [ATTR.errorType]: errorType } : attributes,
      );
      span.end();
    },
  };
}
