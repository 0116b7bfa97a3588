import { z } from 'zod';

/**
 * The only reader of `process.env` in this package. Everything is a standard `OTEL_*` variable
 * (the SDK and the OTLP exporters read the rest of them, such as OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_ENDPOINT/HEADERS/TIMEOUT and
 * OTEL_TRACES_SAMPLER(_ARG), themselves; the batch settings OTEL_BSP_* and OTEL_BLRP_* are read
 * here and given to the processors), plus LOG_LEVEL for the logger and the K8S_* variables
 * that the Kubernetes downward API sets.
 */

const flag = z
  .string()
  .optional()
  .transform((v) => v?.trim().toLowerCase() === 'true');
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
// An empty variable means "not set" (the default), not 0 ms.
const millis = (fallback: number) =>
  z.preprocess(blank, z.coerce.number().int().nonnegative().catch(fallback).default(fallback));
const optionalMillis = z.coerce.number().int().nonnegative().optional().catch(undefined);
const exporterList = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v?.trim() ? v : fallback)
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    );
const protocol = z.enum(['http/protobuf', 'http/json', 'grpc']).optional().catch(undefined);

const schema = z.object({
  OTEL_SDK_DISABLED: flag,
  OTEL_LOG_LEVEL: z.preprocess(blank, z.string().default('warn')),
  OTEL_TRACES_EXPORTER: exporterList('otlp'),
  OTEL_METRICS_EXPORTER: exporterList('otlp'),
  OTEL_LOGS_EXPORTER: exporterList('otlp'),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.preprocess(blank, protocol),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.preprocess(blank, protocol),
  OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: z.preprocess(blank, protocol),
  OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: z.preprocess(blank, protocol),
  // 15 s, not the SDK's 60 s: a dashboard's 1-minute rate window then holds four samples
  // (Grafana's datasource sets timeInterval 15s to match, so $__rate_interval is 1m).
  OTEL_METRIC_EXPORT_INTERVAL: millis(15_000),
  OTEL_METRIC_EXPORT_TIMEOUT: millis(30_000),
  // The SDK's batch processors no longer read these themselves (SDK 3): the processors built
  // here pass them on.
  OTEL_BSP_SCHEDULE_DELAY: optionalMillis,
  OTEL_BSP_EXPORT_TIMEOUT: optionalMillis,
  OTEL_BSP_MAX_QUEUE_SIZE: optionalMillis,
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: optionalMillis,
  OTEL_BLRP_SCHEDULE_DELAY: optionalMillis,
  OTEL_BLRP_EXPORT_TIMEOUT: optionalMillis,
  OTEL_BLRP_MAX_QUEUE_SIZE: optionalMillis,
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: optionalMillis,
  OTEL_METRICS_PROMETHEUS_ENABLED: flag,
  OTEL_EXPORTER_PROMETHEUS_HOST: z.preprocess(blank, z.string().optional()),
  OTEL_EXPORTER_PROMETHEUS_PORT: z.coerce.number().int().min(0).max(65_535).catch(9464).default(9464),
  OTEL_SEMCONV_STABILITY_OPT_IN: z.preprocess(blank, z.string().optional()),
  K8S_POD_NAME: z.preprocess(blank, z.string().optional()),
  K8S_POD_UID: z.preprocess(blank, z.string().optional()),
  K8S_NAMESPACE_NAME: z.preprocess(blank, z.string().optional()),
  K8S_NODE_NAME: z.preprocess(blank, z.string().optional()),
  K8S_CONTAINER_NAME: z.preprocess(blank, z.string().optional()),
  LOG_LEVEL: z.preprocess(blank, z.string().default('info')),
});

export type TelemetryEnv = z.infer<typeof schema>;
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** Parses the telemetry variables; never throws (a bad value falls back to its default). */
export function readEnv(source: NodeJS.ProcessEnv = process.env): TelemetryEnv {
  return schema.parse(source);
}

/** The protocol of one signal's exporter: per-signal variable, then the general one, then the spec default. */
export function protocolOf(env: TelemetryEnv, signal: 'traces' | 'metrics' | 'logs'): OtlpProtocol {
  const specific = {
    traces: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    metrics: env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL,
    logs: env.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL,
  }[signal];
  return specific ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
}

/**
 * Stable HTTP semantic conventions unless the operator chose otherwise: the instrumentation reads
 * this variable when it is constructed, so it is set (only when absent) before that happens.
 */
export function defaultSemconvStability(target: NodeJS.ProcessEnv = process.env): void {
  if (!target.OTEL_SEMCONV_STABILITY_OPT_IN?.trim()) target.OTEL_SEMCONV_STABILITY_OPT_IN = 'http';
}
