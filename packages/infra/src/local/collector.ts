import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { binaries, otelDir } from '../paths.js';
import { freePort } from '../ports.js';
import { probeHttp } from '../probes.js';
import { spawnDaemon, waitUntil } from '../process.js';
import type { LaunchOptions, ServerRecord } from './types.js';

/** Where the collector sends each signal (the production config's TEMPO_/LOKI_/PROMETHEUS_OTLP_ENDPOINT). */
export interface CollectorBackends {
  tempo?: string;
  loki?: string;
  prometheus?: string;
}

export interface CollectorOptions extends LaunchOptions {
  /**
   * Overlay merged after otel/collector.yaml: `local` logs every signal, `test` exports to `sinkUrl`;
   * `none` runs the production configuration alone, with `backends` as its endpoints.
   */
  overlay: 'local' | 'test' | 'none';
  /** Base URL of the OTLP/HTTP receiver that stands in for Tempo, Loki and Prometheus in tests. */
  sinkUrl?: string;
  /** Endpoints of the backends (they win over `sinkUrl`). */
  backends?: CollectorBackends;
  /** Port of the collector's own metrics (default: a free one). */
  metricsPort?: number;
}

/** The collector built from otel/builder-config.yaml, running otel/collector.yaml. */
export async function startCollector({
  dir,
  port,
  overlay,
  sinkUrl,
  backends = {},
  metricsPort: givenMetricsPort,
}: CollectorOptions): Promise<ServerRecord> {
  mkdirSync(dir, { recursive: true });
  const [grpcPort, healthPort] = [await freePort(), await freePort()];
  const metricsPort = givenMetricsPort ?? (await freePort());
  const logFile = join(dir, 'collector.log');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COLLECTOR_OTLP_HTTP_ENDPOINT: `127.0.0.1:${port}`,
    COLLECTOR_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpcPort}`,
    COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${healthPort}`,
    COLLECTOR_METRICS_HOST: '127.0.0.1',
    COLLECTOR_METRICS_PORT: String(metricsPort),
    COLLECTOR_BATCH_TIMEOUT: overlay === 'test' ? '200ms' : '1s',
  };
  if (sinkUrl) {
    env.TEMPO_OTLP_ENDPOINT = `${sinkUrl}/tempo`;
    env.LOKI_OTLP_ENDPOINT = `${sinkUrl}/loki`;
    env.PROMETHEUS_OTLP_ENDPOINT = `${sinkUrl}/prometheus`;
  }
  if (backends.tempo) env.TEMPO_OTLP_ENDPOINT = backends.tempo;
  if (backends.loki) env.LOKI_OTLP_ENDPOINT = backends.loki;
  if (backends.prometheus) env.PROMETHEUS_OTLP_ENDPOINT = backends.prometheus;
  const configs = ['--config', join(otelDir, 'collector.yaml')];
  if (overlay !== 'none') configs.push('--config', join(otelDir, `collector.${overlay}.yaml`));
  const pid = spawnDaemon(binaries().otelcol, configs, { logFile, env });
  const health = `http://127.0.0.1:${healthPort}/`;
  await waitUntil(`OpenTelemetry Collector health on ${health} (log: ${logFile})`, () => probeHttp(health));
  return {
    name: 'collector',
    url: `http://127.0.0.1:${port}`,
    pid,
    logFile,
    extra: {
      'otlp-grpc': `127.0.0.1:${grpcPort}`,
      health,
      metrics: `http://127.0.0.1:${metricsPort}/metrics`,
    },
  };
}
