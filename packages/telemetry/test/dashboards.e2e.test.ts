import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTestDatabase,
  freePort,
  type ServerRecord,
  startCollector,
  stopProcess,
  type TestDatabase,
  testServers,
} from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  atGrafanaDefaults,
  type DashboardQuery,
  dashboardQueries,
  hasZeroFallback,
  withoutZeroFallback,
} from './dashboards.js';
import { startPrometheus, type TestPrometheus } from './prometheus.js';
import { type FixtureApp, startFixtureApp } from './support.js';

/** How long the traffic runs: "after a minute of traffic", at the production export interval. */
const TRAFFIC_MS = 60_000;

interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
}

async function instantQuery(prometheus: TestPrometheus, expr: string): Promise<PromSeries[]> {
  const response = await fetch(`${prometheus.url}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }),
  });
  const body = (await response.json()) as { status: string; error?: string; data?: { result: PromSeries[] } };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error}`);
  return body.data?.result ?? [];
}

async function exemplarsOf(prometheus: TestPrometheus, expr: string): Promise<Record<string, string>[]> {
  const end = Date.now() / 1000;
  const response = await fetch(`${prometheus.url}/api/v1/query_exemplars`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr, start: String(end - 600), end: String(end) }),
  });
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { exemplars: { labels: Record<string, string> }[] }[];
  };
  if (body.status !== 'success') throw new Error(`Prometheus refused exemplars of ${expr}: ${body.error}`);
  return (body.data ?? []).flatMap((series) => series.exemplars.map((e) => e.labels));
}

/** Stands in for Tempo and Loki (OTLP/HTTP, protobuf): takes everything, keeps nothing. */
async function startDiscardingReceiver(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const describeResults = (rows: { query: DashboardQuery; result: PromSeries[] }[]) =>
  rows
    .filter((r) => r.result.length === 0)
    .map((r) => `${r.query.where}: ${atGrafanaDefaults(r.query.expr)}`);

/**
 * Every dashboard query against a real Prometheus 3 (otel/prometheus.yml), fed by the collector
 * running the production otel/collector.yaml alone (only its endpoints set), with the services'
 * default metric export interval, at Grafana's default interval, after a minute of traffic.
 */
describe('dashboards show data', () => {
  const tag = randomBytes(4).toString('hex');
  const domain = `dash-${tag}`;
  const queries = dashboardQueries();
  let prometheus: TestPrometheus;
  let discard: Awaited<ReturnType<typeof startDiscardingReceiver>>;
  let collector: ServerRecord;
  let db: TestDatabase;
  let app: FixtureApp | undefined;

  beforeAll(async () => {
    prometheus = await startPrometheus();
    discard = await startDiscardingReceiver();
    collector = await startCollector({
      dir: `${prometheus.dir}/collector`,
      port: await freePort(),
      overlay: 'none',
      backends: {
        tempo: discard.url,
        loki: discard.url,
        prometheus: `${prometheus.url}/api/v1/otlp`,
      },
    });
    db = await createTestDatabase('dashboards');
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    if (collector) await stopProcess(collector.pid);
    await discard?.close();
    await prometheus?.stop();
    await db?.drop();
  });

  it('has panels, variables and exemplar panels to check', () => {
    expect(queries.filter((q) => q.kind === 'panel').length).toBeGreaterThan(20);
    expect(queries.filter((q) => q.kind === 'variable').length).toBeGreaterThan(0);
    expect(queries.filter((q) => q.exemplar).length).toBeGreaterThan(0);
    // Every panel answers 0 when nothing happened (until its metric's first event).
    const withoutFallback = queries.filter((q) => q.kind === 'panel' && !hasZeroFallback(q.expr));
    expect(withoutFallback.map((q) => q.where)).toEqual([]);
  });

  it('before any traffic every panel answers (0), none says "No data"', async () => {
    const rows = await Promise.all(
      queries
        .filter((q) => q.kind === 'panel')
        .map(async (query) => ({
          query,
          result: await instantQuery(prometheus, atGrafanaDefaults(query.expr)),
        })),
    );
    expect(describeResults(rows)).toEqual([]);
  });

  it(
    'after a minute of traffic every query, without its 0 fallback, returns series; latency panels have exemplars',
    async () => {
      app = await startFixtureApp({
        OTEL_SERVICE_NAME: `dashboards-${tag}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        // The production default export interval: the point of this test. (DASHBOARDS_EXPORT_INTERVAL
        // measures another one, e.g. the SDK's own 60000, for comparison; it is not set in CI.)
        OTEL_METRIC_EXPORT_INTERVAL: process.env.DASHBOARDS_EXPORT_INTERVAL ?? '',
        OTEL_METRICS_EXPORTER: 'otlp',
        DATABASE_URL: db.url,
        NATS_URL: testServers().natsUrl,
        FIXTURE_DOMAIN: domain,
      });
      const fixture = app;
      const started = Date.now();
      let requests = 0;
      while (Date.now() - started < TRAFFIC_MS) {
        const path = ['/greet/ada', '/greet/bob', '/outbox/cy', '/poison', '/fail'][requests % 5];
        const response = await fetch(`${fixture.url}${path}`);
        await response.arrayBuffer();
        requests++;
        await sleep(200);
      }
      expect(requests).toBeGreaterThan(100);

      // One more export (15 s) and the span metrics' flush (15 s) may still be on their way.
      const checks = queries.map((query) => ({
        query,
        expr: atGrafanaDefaults(query.kind === 'panel' ? withoutZeroFallback(query.expr) : query.expr),
      }));
      let rows: { query: DashboardQuery; result: PromSeries[] }[] = [];
      const deadline = Date.now() + 40_000;
      do {
        rows = await Promise.all(
          checks.map(async ({ query, expr }) => ({ query, result: await instantQuery(prometheus, expr) })),
        );
        if (describeResults(rows).length === 0) break;
        await sleep(2_000);
      } while (Date.now() < deadline);
      expect(describeResults(rows)).toEqual([]);

      // The values are real numbers where something happened (not NaN from empty windows).
      for (const { query, result } of rows) {
        const values = result.map((s) => Number(s.value?.[1]));
        expect(
          values.some((v) => Number.isFinite(v)),
          `${query.where}: ${values.join(', ')}`,
        ).toBe(true);
      }

      for (const query of queries.filter((q) => q.exemplar)) {
        const labels = await exemplarsOf(prometheus, atGrafanaDefaults(withoutZeroFallback(query.expr)));
        expect(labels.length, `${query.where} has no exemplars`).toBeGreaterThan(0);
        expect(labels[0]?.trace_id, query.where).toMatch(/^[0-9a-f]{32}$/);
      }
    },
    TRAFFIC_MS + 120_000,
  );

  it('the exemplars link to the trace datasource by the label Prometheus stores them with', () => {
    const datasources = readFileSync(
      new URL('../../../otel/grafana/provisioning/datasources/datasources.yaml', import.meta.url),
      'utf8',
    );
    expect(datasources).toMatch(
      /exemplarTraceIdDestinations:\s*\n\s*- name: trace_id\s*\n\s*datasourceUid: tempo/,
    );
  });
});
