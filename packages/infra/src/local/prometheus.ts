import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaries, otelDir } from '../paths.js';
import { probeHttp } from '../probes.js';
import { spawnDaemon, waitUntil } from '../process.js';
import type { LaunchOptions, ServerRecord } from './types.js';

export interface PrometheusOptions extends LaunchOptions {
  /** host:port of the collector's own metrics (compose scrapes `otel-collector:8888`). */
  collectorMetrics?: string;
}

/**
 * Rewrites otel/prometheus.yml for loopback: the same OTLP translation, rules and storage,
 * only the scrape targets differ (this Prometheus and the local collector).
 */
export function localPrometheusConfig(source: string, port: number, collectorMetrics?: string): string {
  return source
    .replace(/'localhost:9090'/g, `'127.0.0.1:${port}'`)
    .replace(/'otel-collector:8888'/g, `'${collectorMetrics ?? '127.0.0.1:8888'}'`);
}

/**
 * Prometheus 3 with the OTLP receiver and exemplar storage, running otel/prometheus.yml and
 * otel/rules.yml (copied next to its data, scrape targets on loopback).
 */
export async function startPrometheus({
  dir,
  port,
  collectorMetrics,
}: PrometheusOptions): Promise<ServerRecord> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    localPrometheusConfig(readFileSync(join(otelDir, 'prometheus.yml'), 'utf8'), port, collectorMetrics),
  );
  copyFileSync(join(otelDir, 'rules.yml'), join(dir, 'rules.yml'));
  const logFile = join(dir, 'prometheus.log');
  const pid = spawnDaemon(
    binaries().prometheus,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-otlp-receiver',
      '--enable-feature=exemplar-storage',
    ],
    { logFile },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(`Prometheus on ${url} (log: ${logFile})`, () => probeHttp(`${url}/-/ready`), 60_000);
  return { name: 'prometheus', url, pid, logFile, extra: { otlp: `${url}/api/v1/otlp` } };
}
