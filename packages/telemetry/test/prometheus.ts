import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaries, ensureInstalled, freePort, probeHttp, repoRoot, waitUntil } from '@demo/infra';

export interface TestPrometheus {
  url: string;
  /** A temporary folder of its own (data), removed by `stop()`: room for a test's other logs. */
  dir: string;
  stop(): Promise<void>;
}

/** A Prometheus 3 of the test's own, running otel/prometheus.yml with the OTLP receiver on. */
export async function startPrometheus(): Promise<TestPrometheus> {
  await ensureInstalled(['prometheus']);
  const dir = mkdtempSync(join(tmpdir(), 'telemetry-prometheus-'));
  const port = await freePort();
  const child = spawn(
    binaries().prometheus,
    [
      `--config.file=${join(repoRoot, 'otel', 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-otlp-receiver',
      '--enable-feature=exemplar-storage',
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(`Prometheus ready on ${url}`, () => probeHttp(`${url}/-/ready`));
  return {
    url,
    dir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const FUNCTIONS = new Set(
  `abs absent absent_over_time avg avg_over_time bottomk by ceil changes clamp clamp_max clamp_min count
  count_over_time count_values deriv delta exp floor group histogram_avg histogram_count histogram_fraction
  histogram_quantile histogram_sum holt_winters idelta increase irate label_join label_replace last_over_time
  ln log2 log10 max max_over_time min min_over_time offset on ignoring group_left group_right predict_linear
  quantile quantile_over_time rate resets round scalar sgn sort sort_desc sqrt stddev stdvar sum sum_over_time
  time timestamp topk vector without and or unless bool inf nan le`.split(/\s+/),
);

/** The metric names a PromQL expression reads (labels, functions, durations and strings left out). */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = stripped.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((n) => !FUNCTIONS.has(n) && !/^\d/.test(n)))];
}
