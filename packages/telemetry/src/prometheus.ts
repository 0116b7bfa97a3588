import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

/**
 * The Prometheus text format of the SDK's metrics, with the names Prometheus gives the same
 * metrics when they arrive over OTLP (`http.server.request.duration`, unit `s` →
 * `http_server_request_duration_seconds_*`), so one query works on scraped and pushed data.
 */

const UNITS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  bit: 'bits',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

/**
 * The suffix Prometheus's OTLP translation appends for a unit (`s` → `seconds`, `By/s` →
 * `bytes_per_second`, `1` on a gauge → `ratio`), or undefined when none (`{order}`, `1` elsewhere).
 */
export function unitSuffix(unit: string, isGauge: boolean): string | undefined {
  const cleaned = unit.replace(/\{[^}]*\}/g, '').trim();
  if (cleaned === '') return undefined;
  if (cleaned === '1') return isGauge ? 'ratio' : undefined;
  const [main = '', per] = cleaned.split('/', 2);
  const name = (u: string) => UNITS[u] ?? u.replace(/[^A-Za-z0-9_]/g, '_');
  const perName = per ? ({ s: 'second', m: 'minute', h: 'hour', d: 'day' }[per] ?? name(per)) : undefined;
  const parts = [main && main !== '1' ? name(main) : undefined, perName ? `per_${perName}` : undefined];
  const suffix = parts.filter(Boolean).join('_');
  return suffix === '' ? undefined : suffix;
}

function renamed(metric: MetricData): MetricData {
  const suffix = unitSuffix(metric.descriptor.unit, metric.dataPointType === DataPointType.GAUGE);
  if (suffix === undefined) return metric;
  const name = metric.descriptor.name;
  if (name.endsWith(`_${suffix}`) || name.endsWith(`.${suffix}`)) return metric;
  return { ...metric, descriptor: { ...metric.descriptor, name: `${name}_${suffix}` } } as MetricData;
}

/** Unit suffixes on every metric name (the data points are shared, not copied). */
export function withUnitSuffixes(resourceMetrics: ResourceMetrics): ResourceMetrics {
  return {
    ...resourceMetrics,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scope) => ({
      ...scope,
      metrics: scope.metrics.map(renamed),
    })),
  };
}

/** Resource attributes copied onto every series, as `otel/prometheus.yml` promotes them for OTLP. */
const PROMOTED = /^(service\.name|service\.namespace|service\.version|deployment\.environment\.name)$/;

const serializer = new PrometheusSerializer(undefined, false, PROMOTED);

/** Serializes collected metrics in the Prometheus text format (0.0.4), with unit suffixes. */
export function toPrometheusText(resourceMetrics: ResourceMetrics): string {
  return serializer.serialize(withUnitSuffixes(resourceMetrics));
}
