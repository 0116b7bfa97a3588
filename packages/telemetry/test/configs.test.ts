import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { binaries, ensureInstalled, repoRoot } from '@demo/infra';
import { beforeAll, describe, expect, it } from 'vitest';
import { readEnv as readTelemetryEnv } from '../src/env.js';
import { dashboardQueries, dashboardsDir } from './dashboards.js';
import { metricNamesIn } from './prometheus.js';

const run = promisify(execFile);
const otel = join(repoRoot, 'otel');

/** Runs a checker; on failure the error carries its output. */
async function check(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: otel, timeout: 60_000 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

describe('otel/ configuration', () => {
  beforeAll(async () => {
    await ensureInstalled(['otelcol', 'prometheus']);
  }, 900_000);

  const overlays = readdirSync(otel)
    .filter((f) => /^collector\.[a-z]+\.yaml$/.test(f))
    .sort();

  it('has the overlays compose, local runs and tests use', () => {
    expect(overlays).toEqual(expect.arrayContaining(['collector.local.yaml', 'collector.test.yaml']));
  });

  it.each([[[]], ...overlays.map((o) => [[o]])])(
    'the collector validates collector.yaml + %j',
    async (extra) => {
      const args = [
        'validate',
        '--config',
        'collector.yaml',
        ...extra.flatMap((o: string) => ['--config', o]),
      ];
      await check(binaries().otelcol, args);
    },
  );

  it('promtool accepts prometheus.yml and its rules', async () => {
    expect(await check(binaries().promtool, ['check', 'config', 'prometheus.yml'])).toMatch(/SUCCESS/);
    expect(await check(binaries().promtool, ['check', 'rules', 'rules.yml'])).toMatch(/SUCCESS/);
  });

  it('every alert has a unit test, and promtool test rules passes them all', async () => {
    const alerts = [...readFileSync(join(otel, 'rules.yml'), 'utf8').matchAll(/^\s*- alert: (\w+)/gm)].map(
      (m) => m[1],
    );
    const tested = new Set(
      [...readFileSync(join(otel, 'rules.test.yml'), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]),
    );
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    expect(alerts.filter((a) => !tested.has(a))).toEqual([]);
    expect(await check(binaries().promtool, ['test', 'rules', 'rules.test.yml'])).toMatch(/SUCCESS/);
  });

  it('the services export metrics as often as the Grafana datasource expects (timeInterval)', () => {
    const datasources = readFileSync(
      join(otel, 'grafana', 'provisioning', 'datasources', 'datasources.yaml'),
      'utf8',
    );
    const timeInterval = datasources.match(/timeInterval: (\d+)s/)?.[1];
    expect(timeInterval).toBeDefined();
    expect(readTelemetryEnv({}).OTEL_METRIC_EXPORT_INTERVAL).toBe(Number(timeInterval) * 1000);
    expect(readFileSync(join(otel, 'prometheus.yml'), 'utf8')).toContain(`scrape_interval: ${timeInterval}s`);
  });

  it('every dashboard parses, has a unique uid and uses the provisioned Prometheus datasource', () => {
    const files = readdirSync(dashboardsDir).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(['bus.json', 'business.json', 'services-red.json']);
    const uids = files.map(
      (f) => (JSON.parse(readFileSync(join(dashboardsDir, f), 'utf8')) as { uid: string }).uid,
    );
    expect(new Set(uids).size).toBe(files.length);
    const datasources = readFileSync(
      join(otel, 'grafana', 'provisioning', 'datasources', 'datasources.yaml'),
      'utf8',
    );
    for (const uid of ['prometheus', 'tempo', 'loki']) expect(datasources).toContain(`uid: ${uid}`);
  });

  it('every dashboard query is valid PromQL naming at least one metric (promtool parses them)', async () => {
    const queries = dashboardQueries();
    const rules = queries.map(({ where, expr }, i) => {
      expect(metricNamesIn(expr).length, where).toBeGreaterThan(0);
      const promql = expr.replace(/\$__rate_interval|\$__range|\$__interval/g, '5m').replace(/\$\w+/g, '.*');
      return `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(promql)}`;
    });
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-rules-'));
    try {
      const file = join(dir, 'dashboards.rules.yml');
      writeFileSync(file, `groups:\n  - name: dashboards\n    rules:\n${rules.join('\n')}\n`);
      expect(await check(binaries().promtool, ['check', 'rules', file])).toMatch(
        new RegExp(`${rules.length} rules found`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
