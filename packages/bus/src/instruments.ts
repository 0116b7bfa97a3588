import {
  type Attributes,
  type Context,
  type Counter,
  type Histogram,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  type Meter,
  metrics,
  type ObservableGauge,
  type Span,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';

export const INSTRUMENTATION_SCOPE = '@demo/bus';
export const MESSAGING_SYSTEM = 'nats';

/** Attribute keys of the OpenTelemetry messaging semantic conventions (and this bus's own). */
export const ATTR = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  messageId: 'messaging.message.id',
  consumerGroup: 'messaging.consumer.group.name',
  bodySize: 'messaging.message.body.size',
  deliveryCount: 'messaging.nats.message.delivery_count',
  streamName: 'messaging.nats.stream.name',
  streamSequence: 'messaging.nats.stream.sequence',
  errorType: 'error.type',
} as const;

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * What the bus does for a message whose parent context is valid but not sampled:
 * - `forward` (default): no span of its own; the parent's `traceparent` (sampled flag off),
 *   `tracestate` and baggage travel on unchanged, as W3C Trace Context allows a participant
 *   that records nothing. Exact with parent-based samplers (the SDK's default,
 *   `parentbased_*`), which never sample a child of an unsampled parent, and with `always_off`.
 * - `span`: ask the SDK's sampler for every message, as for a sampled parent. Needed only with a
 *   sampler that may sample the child of an unsampled parent (`always_on`, `traceidratio` on a
 *   consumer whose producer sampled less).
 */
export type UnsampledParents = 'forward' | 'span';

/** Tracer and metric instruments of one bus; made when the bus connects, after the SDK started. */
export interface Instruments {
  tracer: Tracer;
  /** See `UnsampledParents`: true for `forward`. */
  forwardUnsampled: boolean;
  meter: Meter;
  sent: Counter;
  consumed: Counter;
  operationDuration: Histogram;
  processDuration: Histogram;
  deadLetters: Counter;
  deadLetterFailures: Counter;
  dlqMessages: ObservableGauge;
  pending: ObservableGauge;
  ackPending: ObservableGauge;
}

export function createInstruments(unsampledParents: UnsampledParents = 'forward'): Instruments {
  const meter = metrics.getMeter(INSTRUMENTATION_SCOPE);
  return {
    tracer: trace.getTracer(INSTRUMENTATION_SCOPE),
    forwardUnsampled: unsampledParents === 'forward',
    meter,
    sent: meter.createCounter('messaging.client.sent.messages', {
      unit: '{message}',
      description: 'Messages published and acknowledged by JetStream',
    }),
    consumed: meter.createCounter('messaging.client.consumed.messages', {
      unit: '{message}',
      description: 'Messages delivered to a handler',
    }),
    operationDuration: meter.createHistogram('messaging.client.operation.duration', {
      unit: 's',
      description: 'Duration of publish operations, until the JetStream ack',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    processDuration: meter.createHistogram('messaging.process.duration', {
      unit: 's',
      description: 'Duration of message processing by a handler',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    deadLetters: meter.createCounter('demo.bus.dead_letters', {
      unit: '{message}',
      description: 'Messages moved to the dead-letter stream, by reason',
    }),
    deadLetterFailures: meter.createCounter('demo.bus.dead_letter.failures', {
      unit: '{message}',
      description: 'Messages terminated because their dead letter could not be published after retries',
    }),
    dlqMessages: meter.createObservableGauge('demo.bus.dlq.messages', {
      unit: '{message}',
      description: 'Dead letters held by the dead-letter stream, by original subject',
    }),
    pending: meter.createObservableGauge('demo.bus.consumer.pending', {
      unit: '{message}',
      description: 'Messages in the stream not yet delivered to the consumer',
    }),
    ackPending: meter.createObservableGauge('demo.bus.consumer.ack_pending', {
      unit: '{message}',
      description: 'Messages delivered to the consumer and not yet acknowledged',
    }),
  };
}

/** A function of one key whose results are computed once and reused on the hot path. */
export function memo<K, V>(make: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = make(key);
      cache.set(key, value);
    }
    return value;
  };
}

/** Attribute sets are made once per subject and reused on the hot path. */
export function attributeCache<K>(make: (key: K) => Attributes): (key: K) => Attributes {
  return memo((key: K) => Object.freeze(make(key)));
}

/** A span that records nothing and carries no context: what a forwarded message's span calls go to. */
export const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Whether a message under `parent` is forwarded, not given a span of its own: the bus forwards
 * unsampled parents (see `UnsampledParents`) and `parent` holds a valid span context that is not
 * sampled and not recorded here.
 */
export function forwardsParent(instruments: Instruments, parent: Context): boolean {
  if (!instruments.forwardUnsampled) return false;
  const span = trace.getSpan(parent);
  if (span === undefined || span.isRecording()) return false;
  const sc = span.spanContext();
  return (sc.traceFlags & TraceFlags.SAMPLED) === 0 && isSpanContextValid(sc);
}
