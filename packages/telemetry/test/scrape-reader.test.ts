import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as JsonMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import {
  AggregationTemporality,
  AggregationType,
  ConsoleMetricExporter,
  InstrumentType,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { collectsAsScraped } from '../src/scrape-reader.js';

describe('collectsAsScraped', () => {
  it('holds for the OTLP and console exporters as configured by default', () => {
    expect(collectsAsScraped(new ProtoMetricExporter())).toBe(true);
    expect(collectsAsScraped(new JsonMetricExporter())).toBe(true);
    expect(collectsAsScraped(new ConsoleMetricExporter())).toBe(true);
    expect(collectsAsScraped({})).toBe(true);
  });

  it('does not hold for delta temporality or another aggregation', () => {
    expect(
      collectsAsScraped(
        new ProtoMetricExporter({ temporalityPreference: AggregationTemporalityPreference.DELTA }),
      ),
    ).toBe(false);
    expect(
      collectsAsScraped({
        selectAggregation: (type) =>
          type === InstrumentType.HISTOGRAM
            ? { type: AggregationType.EXPONENTIAL_HISTOGRAM }
            : { type: AggregationType.DEFAULT },
      }),
    ).toBe(false);
    expect(collectsAsScraped({ selectAggregationTemporality: () => AggregationTemporality.DELTA })).toBe(
      false,
    );
  });
});
