import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { toPrometheusText, unitSuffix } from '../src/prometheus.js';

describe('unit suffixes, as Prometheus adds them to OTLP metrics', () => {
  it.each([
    ['s', false, 'seconds'],
    ['ms', false, 'milliseconds'],
    ['By', false, 'bytes'],
    ['By/s', false, 'bytes_per_second'],
    ['{order}', false, undefined],
    ['{message}', true, undefined],
    ['1', true, 'ratio'],
    ['1', false, undefined],
    ['', false, undefined],
  ])('%j (gauge: %s) → %s', (unit, gauge, suffix) => {
    expect(unitSuffix(unit, gauge)).toBe(suffix);
  });
});

describe('toPrometheusText', () => {
  it('names metrics as the dashboards query them, with service_name on every series', async () => {
    const reader = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'user-service', 'host.name': 'h' }),
      readers: [reader],
    });
    const meter = provider.getMeter('test');
    meter
      .createHistogram('http.server.request.duration', {
        unit: 's',
        advice: { explicitBucketBoundaries: [0.1] },
      })
      .record(0.05, { 'http.route': '/api/users' });
    meter.createCounter('demo.orders', { unit: '{order}' }).add(3, { outcome: 'confirmed' });
    const { resourceMetrics } = await reader.collect();
    const text = toPrometheusText(resourceMetrics);
    await provider.shutdown();
    expect(text).toMatch(
      /^http_server_request_duration_seconds_bucket\{[^}]*http_route="\/api\/users"[^}]*le="0.1"\} 1$/m,
    );
    expect(text).toMatch(/^http_server_request_duration_seconds_count\{[^}]*service_name="user-service"/m);
    expect(text).toMatch(/^demo_orders_total\{[^}]*outcome="confirmed"[^}]*\} 3$/m);
    // Resource attributes other than service.name stay on target_info, not on every series.
    const series = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(series.filter((line) => !line.startsWith('target_info') && line.includes('host_name='))).toEqual(
      [],
    );
  });
});
