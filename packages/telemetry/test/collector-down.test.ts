import { createTestDatabase, freePort, type TestDatabase } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureApp, startFixtureApp } from './support.js';

describe('with the collector unreachable', () => {
  let db: TestDatabase;
  let app: FixtureApp;

  beforeAll(async () => {
    db = await createTestDatabase('telemetry_down');
    const closedPort = await freePort(); // nothing listens there
    app = await startFixtureApp({
      OTEL_SERVICE_NAME: 'telemetry-collector-down',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_EXPORTER_OTLP_TIMEOUT: '1500',
      DATABASE_URL: db.url,
      NATS_URL: '',
    });
  });

  afterAll(async () => {
    // Shutdown stays bounded although nothing can be flushed.
    const started = Date.now();
    expect(await app?.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    await db?.drop();
  });

  it('keeps serving requests and logs the export failure once per burst', async () => {
    const deadline = Date.now() + 8_000;
    let served = 0;
    while (Date.now() < deadline) {
      const started = Date.now();
      const response = await fetch(`${app.url}/greet/carol`);
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
      served++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(served).toBeGreaterThan(20);

    const diagnostics = app
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: string; msg: string });
    const failures = diagnostics.filter((d) => /export failing/.test(d.msg));
    expect(failures.length, app.stderr()).toBeGreaterThan(0);
    // One line per signal for the whole outage, not one per batch.
    expect(failures.length).toBeLessThanOrEqual(3);
    expect(failures.every((f) => f.level === 'warn')).toBe(true);
    // Application logs still reach stdout, with their trace ids.
    expect(app.logLines().some((l) => l.msg === 'greeting requested' && typeof l.trace_id === 'string')).toBe(
      true,
    );
  }, 30_000);
});
