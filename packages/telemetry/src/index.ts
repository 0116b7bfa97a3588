export { setHttpRoute } from './http.js';
export type { LogBindings, Logger, LoggerOptions } from './logger.js';
export { createLogger } from './logger.js';
export type {
  BusinessCounter,
  BusinessGauge,
  GaugeObservation,
  InstrumentOptions,
} from './metrics.js';
export { counter, observableGauge } from './metrics.js';
export type { TelemetryStatus } from './sdk.js';
export { shutdownTelemetry, startTelemetry, telemetryStatus } from './sdk.js';
