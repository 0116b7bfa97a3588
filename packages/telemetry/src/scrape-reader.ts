import {
  AggregationTemporality,
  AggregationType,
  InstrumentType,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';

/**
 * Whether a push exporter's reader collects exactly what `GET /metrics` serves (cumulative sums
 * and explicit-bucket histograms, the default aggregation of every instrument): then the scrape
 * reads that reader instead of a second one, and each measurement is aggregated once, not twice
 * (every reader keeps storage of its own, fed on every `add()` and `record()`).
 */
export function collectsAsScraped(
  exporter: Pick<PushMetricExporter, 'selectAggregationTemporality' | 'selectAggregation'>,
): boolean {
  return Object.values(InstrumentType).every(
    (type) =>
      (exporter.selectAggregationTemporality?.(type) ?? AggregationTemporality.CUMULATIVE) ===
        AggregationTemporality.CUMULATIVE &&
      (exporter.selectAggregation?.(type).type ?? AggregationType.DEFAULT) === AggregationType.DEFAULT,
  );
}
