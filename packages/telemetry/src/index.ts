export type { AppAttributes, AppKey } from './app-context.js';
export { APP_KEYS, appAttributesOf, withAppContext } from './app-context.js';
export type { LogBindings, Logger, LoggerOptions } from './logger.js';
export { createLogger } from './logger.js';
export type {
  BusinessCounter,
  BusinessGauge,
  BusinessHistogram,
  GaugeObservation,
  HistogramOptions,
  InstrumentOptions,
} from './metrics.js';
export { counter, histogram, observableGauge } from './metrics.js';
export { unitSuffix } from './prometheus.js';
export type { TelemetryStatus } from './sdk.js';
export {
  METRICS_CONTENT_TYPE,
  metricsText,
  prometheusMetrics,
  shutdownTelemetry,
  startTelemetry,
  telemetryStatus,
} from './sdk.js';
