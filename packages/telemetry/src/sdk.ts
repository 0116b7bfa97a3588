import { randomUUID } from 'node:crypto';
import { context, diag } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  defaultResource,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  type LogRecordExporter,
  type LogRecordProcessor,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  ConsoleMetricExporter,
  type IMetricReader,
  type MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { AppAttributesSpanProcessor } from './app-context.js';
import { installDiagnostics, watchExports } from './diagnostics.js';
import { defaultSemconvStability, protocolOf, readEnv, type TelemetryEnv } from './env.js';
import { toPrometheusText } from './prometheus.js';
import { collectsAsScraped } from './scrape-reader.js';
import { packageVersionOf } from './version.js';

/** How long shutdown may take by default: inside Kubernetes' 30 s grace period with room to spare. */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

interface TelemetryState {
  sdk: NodeSDK | undefined;
  shutdown: Promise<void> | undefined;
  prometheus: PrometheusExporter | undefined;
  /** The reader behind `metricsText()` (each service's own `GET /metrics`). */
  scrape: MetricReader | undefined;
}

// Kept on globalThis so that two copies of this module (source and build) share one SDK.
const STATE_KEY = Symbol.for('@demo/telemetry.state');
const globals = globalThis as { [STATE_KEY]?: TelemetryState };
function state(): TelemetryState {
  globals[STATE_KEY] ??= { sdk: undefined, shutdown: undefined, prometheus: undefined, scrape: undefined };
  return globals[STATE_KEY];
}

function traceExporter(env: TelemetryEnv): SpanExporter | undefined {
  const kind = env.OTEL_TRACES_EXPORTER;
  if (kind.includes('none')) return undefined;
  if (kind.includes('console')) return new ConsoleSpanExporter();
  const protocol = protocolOf(env, 'traces');
  const exporter =
    protocol === 'grpc'
      ? new GrpcTraceExporter()
      : protocol === 'http/json'
        ? new JsonTraceExporter()
        : new ProtoTraceExporter();
  return watchExports('traces', exporter);
}

function spanProcessors(env: TelemetryEnv): SpanProcessor[] {
  const exporter = traceExporter(env);
  const processors: SpanProcessor[] = [new AppAttributesSpanProcessor()];
  if (!exporter) return processors;
  processors.push(
    new BatchSpanProcessor({
      exporter,
      scheduledDelayMillis: env.OTEL_BSP_SCHEDULE_DELAY,
      exportTimeoutMillis: env.OTEL_BSP_EXPORT_TIMEOUT,
      maxQueueSize: env.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
    }),
  );
  return processors;
}

function metricReaders(env: TelemetryEnv, st: TelemetryState): IMetricReader[] {
  const readers: IMetricReader[] = [];
  const kind = env.OTEL_METRICS_EXPORTER;
  let push: { reader: PeriodicExportingMetricReader; exporter: PushMetricExporter } | undefined;
  if (!kind.includes('none')) {
    const protocol = protocolOf(env, 'metrics');
    const exporter: PushMetricExporter = kind.includes('console')
      ? new ConsoleMetricExporter()
      : watchExports(
          'metrics',
          protocol === 'grpc'
            ? new GrpcMetricExporter()
            : protocol === 'http/json'
              ? new JsonMetricExporter()
              : new ProtoMetricExporter(),
        );
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: env.OTEL_METRIC_EXPORT_INTERVAL,
      exportTimeoutMillis: Math.min(env.OTEL_METRIC_EXPORT_TIMEOUT, env.OTEL_METRIC_EXPORT_INTERVAL),
    });
    push = { reader, exporter };
    readers.push(reader);
  }
  if (env.OTEL_METRICS_PROMETHEUS_ENABLED) {
    st.prometheus = new PrometheusExporter({
      port: env.OTEL_EXPORTER_PROMETHEUS_PORT,
      ...(env.OTEL_EXPORTER_PROMETHEUS_HOST ? { host: env.OTEL_EXPORTER_PROMETHEUS_HOST } : {}),
    });
    readers.push(st.prometheus);
  }
  // GET /metrics on the service's own port: the push reader when it holds the same (cumulative)
  // data, so measurements are aggregated once; else a reader of its own (no server of its own).
  if (push && collectsAsScraped(push.exporter)) st.scrape = push.reader;
  else {
    st.scrape = new PrometheusExporter({ preventServerStart: true });
    readers.push(st.scrape);
  }
  return readers;
}

function logProcessors(env: TelemetryEnv): LogRecordProcessor[] {
  const kind = env.OTEL_LOGS_EXPORTER;
  if (kind.includes('none')) return [];
  if (kind.includes('console'))
    return [new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() })];
  const protocol = protocolOf(env, 'logs');
  const exporter: LogRecordExporter = watchExports(
    'logs',
    protocol === 'grpc'
      ? new GrpcLogExporter()
      : protocol === 'http/json'
        ? new JsonLogExporter()
        : new ProtoLogExporter(),
  );
  return [
    new BatchLogRecordProcessor({
      exporter,
      scheduledDelayMillis: env.OTEL_BLRP_SCHEDULE_DELAY,
      exportTimeoutMillis: env.OTEL_BLRP_EXPORT_TIMEOUT,
      maxQueueSize: env.OTEL_BLRP_MAX_QUEUE_SIZE,
      maxExportBatchSize: env.OTEL_BLRP_MAX_EXPORT_BATCH_SIZE,
    }),
  ];
}

/** Defaults that OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME override, plus the downward API's K8S_*. */
function baseResourceAttributes(env: TelemetryEnv): Record<string, string> {
  const attributes: Record<string, string> = {
    'service.namespace': 'demo-platform',
    'service.instance.id': env.K8S_POD_NAME ?? randomUUID(),
  };
  const version = packageVersionOf(process.argv[1]);
  if (version) attributes['service.version'] = version;
  const k8s: Array<[string, string | undefined]> = [
    ['k8s.pod.name', env.K8S_POD_NAME],
    ['k8s.pod.uid', env.K8S_POD_UID],
    ['k8s.namespace.name', env.K8S_NAMESPACE_NAME],
    ['k8s.node.name', env.K8S_NODE_NAME],
    ['k8s.container.name', env.K8S_CONTAINER_NAME],
  ];
  for (const [key, value] of k8s) if (value) attributes[key] = value;
  return attributes;
}

function instrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      // Client side only: @demo/http's server makes the server span and http.server.request.duration
      // itself (see its README), for a fraction of the instrumentation's per-request work.
      disableIncomingRequestInstrumentation: true,
      // The OTLP exporters' own requests run with tracing suppressed: no client metrics for them either.
      ignoreOutgoingRequestHook: () => isTracingSuppressed(context.active()),
    }),
    new UndiciInstrumentation(),
    // A query span per query; no `pg-pool.connect` span around each checkout from the pool (one
    // span in three of a simple request; pool waits still show in db.client.connection.* metrics).
    new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    new MongoDBInstrumentation({ requireParentSpan: true }),
    // Log correlation (trace_id, span_id, trace_flags on each line) and log sending to OTLP.
    new PinoInstrumentation(),
  ];
}

export interface TelemetryStatus {
  /** The SDK runs (false when OTEL_SDK_DISABLED=true or before `startTelemetry()`). */
  started: boolean;
  /** URL of the Prometheus scrape endpoint when OTEL_METRICS_PROMETHEUS_ENABLED=true. */
  prometheusUrl: string | undefined;
}

/**
 * Starts the OpenTelemetry SDK from the OTEL_* environment. Idempotent. `@demo/telemetry/register`
 * calls it before the application loads; call it yourself only where `--import` cannot be used.
 */
export function startTelemetry(): TelemetryStatus {
  const st = state();
  if (st.sdk) return telemetryStatus();
  const env = readEnv();
  installDiagnostics(env.OTEL_LOG_LEVEL);
  if (env.OTEL_SDK_DISABLED) {
    diag.info('telemetry: OTEL_SDK_DISABLED=true, the SDK is not started');
    return telemetryStatus();
  }
  defaultSemconvStability();
  const sdk = new NodeSDK({
    resource: defaultResource().merge(resourceFromAttributes(baseResourceAttributes(env))),
    // The SDK's default detectors without its serviceInstanceIdDetector: a detected resource
    // overrides the configured one, and that detector's random UUID would replace the pod name
    // as `service.instance.id`. envDetector stays last, so OTEL_RESOURCE_ATTRIBUTES still wins.
    resourceDetectors: [processDetector, hostDetector, osDetector, envDetector],
    spanProcessors: spanProcessors(env),
    metricReaders: metricReaders(env, st),
    logRecordProcessors: logProcessors(env),
    instrumentations: instrumentations(),
  });
  sdk.start();
  st.sdk = sdk;
  return telemetryStatus();
}

/**
 * The metrics of this process in the Prometheus text format, named as Prometheus names them when
 * they arrive over OTLP (`http_server_request_duration_seconds_bucket`, `demo_orders_total`), with
 * `service_name` on every series: what a service answers on `GET /metrics`. Before the SDK
 * started (or with OTEL_SDK_DISABLED=true) the text says so and holds no series.
 */
export async function metricsText(): Promise<string> {
  const reader = state().scrape;
  if (!reader) return '# the OpenTelemetry SDK is not started: no metrics\n';
  const { resourceMetrics, errors } = await reader.collect();
  for (const error of errors) diag.warn('telemetry: a metric callback failed during a scrape:', error);
  return toPrometheusText(resourceMetrics);
}

/** The content type of `metricsText()`. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** `GET /metrics` for `@demo/http`'s `createApp({ metrics: prometheusMetrics })`. */
export const prometheusMetrics = { text: metricsText, contentType: METRICS_CONTENT_TYPE } as const;

export function telemetryStatus(): TelemetryStatus {
  const st = state();
  const env = readEnv();
  return {
    started: st.sdk !== undefined,
    prometheusUrl: st.prometheus
      ? `http://${env.OTEL_EXPORTER_PROMETHEUS_HOST ?? 'localhost'}:${env.OTEL_EXPORTER_PROMETHEUS_PORT}/metrics`
      : undefined,
  };
}

/**
 * Flushes and closes every exporter, within `timeoutMs`. Idempotent and never throws: call it last
 * in the service's own shutdown sequence (after HTTP, consumers and pools), from a SIGTERM handler
 * or anywhere else. It does not exit the process.
 */
export function shutdownTelemetry(timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS): Promise<void> {
  const st = state();
  if (!st.sdk) return Promise.resolve();
  st.shutdown ??= (async () => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    try {
      const outcome = await Promise.race([st.sdk?.shutdown().then(() => 'done' as const), deadline]);
      if (outcome === 'timeout')
        diag.warn(`telemetry: shutdown did not finish within ${timeoutMs} ms, data may be lost`);
    } catch (error) {
      diag.warn('telemetry: shutdown failed:', error);
    } finally {
      clearTimeout(timer);
    }
  })();
  return st.shutdown;
}
