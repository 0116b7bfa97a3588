import { type Attributes, type Meter, metrics } from '@opentelemetry/api';

/**
 * Business metrics over the OpenTelemetry metrics API. Names are OpenTelemetry names with dots
 * (`demo.orders`); Prometheus shows them with underscores and the usual suffixes
 * (`demo_orders_total` for a counter). Units in braces (`{order}`) add no suffix; keep label values
 * to small, bounded sets (an outcome, a SKU), never ids.
 */

const METER_NAME = '@demo/telemetry';

export interface InstrumentOptions {
  description?: string;
  /** UCUM unit: `s`, `By`, or an annotation such as `{order}`. */
  unit?: string;
}

export interface BusinessCounter<A extends Attributes = Attributes> {
  add(value?: number, attributes?: A): void;
}

export interface HistogramOptions extends InstrumentOptions {
  /** Bucket boundaries (in `unit`): where an objective's threshold must be one of them. */
  buckets?: readonly number[];
}

export interface BusinessHistogram<A extends Attributes = Attributes> {
  record(value: number, attributes?: A): void;
}

export interface GaugeObservation<A extends Attributes = Attributes> {
  value: number;
  attributes?: A;
}

export interface BusinessGauge {
  /** Stops observing: the callback is no longer called. */
  remove(): void;
}

function meter(): Meter {
  return metrics.getMeter(METER_NAME);
}

/** A monotonic counter: `counter('demo.users.created').add()` → `demo_users_created_total`. */
export function counter<A extends Attributes = Attributes>(
  name: string,
  options: InstrumentOptions = {},
): BusinessCounter<A> {
  const instrument = meter().createCounter<A>(name, options);
  return { add: (value = 1, attributes) => instrument.add(value, attributes) };
}

/**
 * A histogram: `histogram('demo.order.saga.duration', { unit: 's' })` →
 * `demo_order_saga_duration_seconds_bucket` and friends.
 */
export function histogram<A extends Attributes = Attributes>(
  name: string,
  options: HistogramOptions = {},
): BusinessHistogram<A> {
  const { buckets, ...rest } = options;
  const instrument = meter().createHistogram<A>(name, {
    ...rest,
    ...(buckets ? { advice: { explicitBucketBoundaries: [...buckets] } } : {}),
  });
  return { record: (value, attributes) => instrument.record(value, attributes) };
}

/**
 * An observable gauge, read at each collection: the callback returns one value or one value per
 * label set (`[{ value: 3, attributes: { sku: 'A-1' } }]`). It may be async (a database count).
 */
export function observableGauge<A extends Attributes = Attributes>(
  name: string,
  observe: () => number | readonly GaugeObservation<A>[] | Promise<number | readonly GaugeObservation<A>[]>,
  options: InstrumentOptions = {},
): BusinessGauge {
  const instrument = meter().createObservableGauge<A>(name, options);
  const callback = async (result: { observe(value: number, attributes?: A): void }) => {
    const observed = await observe();
    if (typeof observed === 'number') result.observe(observed);
    else for (const o of observed) result.observe(o.value, o.attributes);
  };
  instrument.addCallback(callback);
  return { remove: () => instrument.removeCallback(callback) };
}
