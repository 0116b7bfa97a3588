import { randomBytes } from 'node:crypto';
import {
  createTestDatabase,
  freePort,
  otlpSink,
  type ReceivedLog,
  type ReceivedMetric,
  type ReceivedSpan,
  SPAN_KIND,
  type TestDatabase,
  testServers,
} from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardQueries } from './dashboards.js';
import { metricNamesIn, startPrometheus } from './prometheus.js';
import { type FixtureApp, startFixtureApp } from './support.js';

/**
 * One child process under `--import @demo/telemetry/register`, the real collector built from
 * otel/ (test overlay), and the OTLP receiver behind it: what arrives there is what Tempo, Loki and
 * Prometheus would get.
 */
describe('telemetry pipeline, end to end through the collector', () => {
  const tag = randomBytes(4).toString('hex');
  const serviceName = `telemetry-e2e-${tag}`;
  const sink = otlpSink().forService(serviceName);
  const domain = `tele-${tag}`;
  const subject = `${domain}.greeted`;
  let db: TestDatabase;
  let app: FixtureApp;
  let prometheusPort: number;

  const ours = <T extends { resource: Record<string, unknown> }>(items: T[]) =>
    items.filter((i) => i.resource['service.name'] === serviceName);

  beforeAll(async () => {
    db = await createTestDatabase('telemetry');
    prometheusPort = await freePort();
    app = await startFixtureApp({
      OTEL_SERVICE_NAME: serviceName,
      OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.2.3,deployment.environment.name=test',
      OTEL_EXPORTER_OTLP_ENDPOINT: testServers().otlpEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_METRICS_PROMETHEUS_ENABLED: 'true',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(prometheusPort),
      K8S_POD_NAME: `fixture-${tag}`,
      K8S_NAMESPACE_NAME: 'demo',
      K8S_NODE_NAME: 'node-1',
      LOG_LEVEL: 'debug',
      DATABASE_URL: db.url,
      NATS_URL: testServers().natsUrl,
      FIXTURE_DOMAIN: domain,
    });
  });

  afterAll(async () => {
    const code = await app?.stop();
    expect(code).toBe(0);
    await db?.drop();
  });

  it('one trace covers the HTTP server span, the PostgreSQL span, the publish and the process', async () => {
    const response = await fetch(`${app.url}/greet/alice`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: 'alice' });

    const isProcessQuery = (s: ReceivedSpan) =>
      s.kind === SPAN_KIND.CLIENT && String(s.attributes['db.query.text'] ?? '').includes('processed');
    const spans = await sink.waitFor(
      'the server, database, publish and process spans of one request',
      async () => ours(await sink.spans()),
      (all) => all.some((s) => s.kind === SPAN_KIND.SERVER) && all.some(isProcessQuery),
    );
    const server = spans.find(
      (s) => s.kind === SPAN_KIND.SERVER && s.attributes['url.path'] === '/greet/alice',
    );
    expect(server).toBeDefined();
    if (!server) return;
    const trace = spans.filter((s) => s.traceId === server.traceId);
    const children = (parent: ReceivedSpan) => trace.filter((s) => s.parentSpanId === parent.spanId);

    // HTTP server span: named by the route template, stable semantic conventions.
    expect(server.name).toBe('GET /greet/:name');
    expect(server.parentSpanId).toBe('');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/greet/:name',
      'http.response.status_code': 200,
      'url.path': '/greet/alice',
    });

    // PostgreSQL client span, child of the server span.
    const query = children(server).find((s) => s.kind === SPAN_KIND.CLIENT && s.name.startsWith('pg.query'));
    expect(query?.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.query.text': 'select $1::text as name',
      'db.namespace': db.name,
    });

    // Publish (PRODUCER), child of the server span.
    const publish = children(server).find((s) => s.kind === SPAN_KIND.PRODUCER);
    expect(publish?.name).toBe(`send ${subject}`);
    expect(publish?.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': subject,
      'messaging.operation.type': 'send',
    });
    expect(publish?.attributes['messaging.message.id']).toBeTypeOf('string');
    if (!publish) return;

    // Process (CONSUMER), child of the publish span through the message headers.
    const process = children(publish).find((s) => s.kind === SPAN_KIND.CONSUMER);
    expect(process?.name).toBe(`process ${subject}`);
    expect(process?.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': subject,
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': `${domain}-greeter`,
      'messaging.message.id': publish.attributes['messaging.message.id'],
    });
    if (!process) return;

    // The handler's own query joins the same trace under the process span.
    expect(children(process).some(isProcessQuery)).toBe(true);

    // The resource names the service and where it runs.
    expect(server.resource).toMatchObject({
      'service.name': serviceName,
      'service.version': '1.2.3',
      'service.namespace': 'demo-platform',
      'service.instance.id': `fixture-${tag}`,
      'deployment.environment.name': 'test',
      'k8s.pod.name': `fixture-${tag}`,
      'k8s.namespace.name': 'demo',
      'k8s.node.name': 'node-1',
    });
    expect(server.resource['host.name']).toBeTypeOf('string');
    expect(server.resource['process.pid']).toBeTypeOf('number');
    expect(server.resource['telemetry.sdk.language']).toBe('nodejs');

    // Logs written inside those spans carry their trace and span ids, on stdout and over OTLP.
    const logs = await sink.waitFor(
      'the log records of the request and of the handler',
      async () => ours(await sink.logs()),
      (all) => ['greeting requested', 'greeting processed'].every((m) => all.some((l) => l.body === m)),
    );
    const requested = logs.find((l) => l.body === 'greeting requested');
    const processed = logs.find((l) => l.body === 'greeting processed');
    expect(requested).toMatchObject({ traceId: server.traceId, spanId: server.spanId, severityText: 'info' });
    expect(requested?.attributes.name).toBe('alice');
    expect(processed).toMatchObject({ traceId: server.traceId, spanId: process.spanId });
    const line = app.logLines().find((l) => l.msg === 'greeting requested');
    expect(line).toMatchObject({
      level: 'info',
      name: 'alice',
      trace_id: server.traceId,
      span_id: server.spanId,
      trace_flags: '01',
    });
  });

  it('records http.server.request.duration by route template, and the messaging metrics', async () => {
    const isRequestDuration = (m: ReceivedMetric) =>
      m.name === 'http.server.request.duration' &&
      m.dataPoints.some((p) => p.attributes['http.route'] === '/greet/:name' && (p.count ?? 0) >= 1);
    const metrics = await sink.waitFor(
      'http.server.request.duration and messaging metrics',
      async () => ours(await sink.metrics()),
      (all) =>
        all.some(isRequestDuration) &&
        ['messaging.client.sent.messages', 'messaging.process.duration'].every((n) =>
          all.some((m) => m.name === n),
        ),
    );
    const duration = metrics.find(isRequestDuration);
    expect(duration).toMatchObject({ unit: 's', type: 'histogram' });
    const point = duration?.dataPoints.find((p) => p.attributes['http.route'] === '/greet/:name');
    expect(point?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'http.route': '/greet/:name',
    });
    // No raw path in any label of any HTTP data point.
    const labels = metrics
      .filter((m) => m.name.startsWith('http.'))
      .flatMap((m) => m.dataPoints.flatMap((p) => Object.values(p.attributes)));
    expect(labels).not.toContain('/greet/alice');

    const sent = metrics.find((m) => m.name === 'messaging.client.sent.messages');
    expect(sent?.dataPoints.some((p) => p.attributes['messaging.destination.name'] === subject)).toBe(true);
    const processDuration = metrics.find((m) => m.name === 'messaging.process.duration');
    expect(processDuration?.unit).toBe('s');
    expect(
      processDuration?.dataPoints.some(
        (p) => p.attributes['messaging.consumer.group.name'] === `${domain}-greeter`,
      ),
    ).toBe(true);
  });

  it('serves the same metrics for scraping on the optional Prometheus endpoint', async () => {
    const text = await (await fetch(`http://127.0.0.1:${prometheusPort}/metrics`)).text();
    // The JS Prometheus exporter adds no unit suffix (`_seconds`): see the package README.
    expect(text).toMatch(/^http_server_request_duration_bucket\{.*http_route="\/greet\/:name"/m);
    expect(text).toMatch(/^demo_users_created_total/m);
  });

  it('sends business, dead-letter and outbox metrics too (what the dashboards read)', async () => {
    expect((await fetch(`${app.url}/poison`)).status).toBe(202);
    expect((await fetch(`${app.url}/outbox/bob`)).status).toBe(202);
    const wanted = [
      'demo.users.created',
      'demo.orders',
      'demo.stock.available',
      'demo.stock.reserved',
      'demo.bus.dead_letters',
      'demo.bus.consumer.pending',
      'demo.bus.consumer.ack_pending',
      'messaging.client.consumed.messages',
      'messaging.client.operation.duration',
    ];
    const metrics = await sink.waitFor(
      `metrics ${wanted.join(', ')}`,
      async () => ours(await sink.metrics()),
      (all) => wanted.every((n) => all.some((m) => m.name === n)),
    );
    const orders = metrics.filter((m) => m.name === 'demo.orders').flatMap((m) => m.dataPoints);
    expect(new Set(orders.map((p) => p.attributes.outcome))).toEqual(
      new Set(['confirmed', 'rejected', 'cancelled']),
    );
    const stock = metrics.find((m) => m.name === 'demo.stock.available');
    expect(stock?.dataPoints[0]).toMatchObject({ value: 7, attributes: { sku: 'SKU-1' } });
  });

  it('keeps the trace of the request that wrote an outbox row when the relay publishes it', async () => {
    const spans = await sink.waitFor(
      'the outbox request and the relay publish',
      async () => ours(await sink.spans()),
      (all) => {
        const server = all.find((s) => s.attributes['url.path'] === '/outbox/bob');
        return !!server && all.some((s) => s.traceId === server.traceId && s.kind === SPAN_KIND.CONSUMER);
      },
    );
    const server = spans.find((s) => s.attributes['url.path'] === '/outbox/bob') as ReceivedSpan;
    const publish = spans.find((s) => s.traceId === server.traceId && s.kind === SPAN_KIND.PRODUCER);
    expect(publish?.name).toBe(`send ${subject}`);
  });

  it('ships error logs with their trace: the dead-lettered message', async () => {
    const logs = await sink.waitFor(
      'the dead-letter log record',
      async () => ours(await sink.logs()),
      (all: ReceivedLog[]) => all.some((l) => l.body === 'message dead-lettered'),
    );
    const record = logs.find((l) => l.body === 'message dead-lettered');
    expect(record?.severityText).toBe('error');
    expect(record?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('every metric the dashboards query is one the services really emitted, as Prometheus names it', async () => {
    const prometheus = await startPrometheus();
    try {
      // What the collector exported for this service, pushed into a real Prometheus running
      // otel/prometheus.yml over its OTLP receiver: the names are Prometheus's own translation.
      const requests = (await (
        await fetch(`${sink.url}/received/metrics?service=${encodeURIComponent(serviceName)}`)
      ).json()) as OtlpMetricsRequest[];
      let pushed = 0;
      for (const request of requests) {
        const resourceMetrics = (request.resourceMetrics ?? []).filter((rm) =>
          rm.resource?.attributes?.some(
            (a) => a.key === 'service.name' && a.value?.stringValue === serviceName,
          ),
        );
        if (resourceMetrics.length === 0) continue;
        const response = await fetch(`${prometheus.url}/api/v1/otlp/v1/metrics`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ resourceMetrics }),
        });
        expect(response.status, await response.text()).toBe(200);
        pushed++;
      }
      expect(pushed).toBeGreaterThan(0);
      const emitted = new Set(
        ((await (await fetch(`${prometheus.url}/api/v1/label/__name__/values`)).json()) as { data: string[] })
          .data,
      );

      const queries = dashboardQueries();
      expect(queries.length).toBeGreaterThan(20);
      const used = new Set(
        queries.flatMap((q) => metricNamesIn(q.expr).map((name) => `${name} (${q.where})`)),
      );
      const missing = [...used].filter((entry) => !emitted.has(entry.split(' ')[0] ?? ''));
      expect(missing, `emitted: ${[...emitted].sort().join(', ')}`).toEqual([]);

      // promote_resource_attributes: service_name is a label, so the dashboards' filter works.
      const query = encodeURIComponent(
        `http_server_request_duration_seconds_count{service_name="${serviceName}"}`,
      );
      const result = (await (await fetch(`${prometheus.url}/api/v1/query?query=${query}`)).json()) as {
        data: { result: { metric: Record<string, string> }[] };
      };
      expect(result.data.result[0]?.metric).toMatchObject({
        http_route: '/greet/:name',
        http_request_method: 'GET',
        http_response_status_code: '200',
        service_name: serviceName,
        job: `demo-platform/${serviceName}`,
      });
    } finally {
      await prometheus.stop();
    }
  });
});

interface OtlpMetricsRequest {
  resourceMetrics?: { resource?: { attributes?: { key: string; value?: { stringValue?: string } }[] } }[];
}
