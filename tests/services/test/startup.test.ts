import { freePort, otlpSink, startTestNats, type TestNats, uniqueName } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Databases, jsonLines, runUntilExit, SERVICES, type ServiceName } from './processes.js';

/** The one start-up path of every service: how it fails. */
describe('start-up failures', () => {
  let nats: TestNats;
  let databases: Databases;

  beforeAll(async () => {
    [nats, databases] = await Promise.all([startTestNats(), Databases.create()]);
  });
  afterAll(async () => {
    await Promise.all([nats?.remove(), databases?.drop()]);
  });

  for (const name of SERVICES) {
    it(`${name}: a configuration error prints the variable and exits 1`, async () => {
      const { code, output } = await runUntilExit(name, {
        ...databases.env(name),
        NATS_URL: '',
        PORT: 'eighty',
      });
      expect(code).toBe(1);
      expect(output).toContain(`${name}: invalid environment`);
      expect(output).toContain('NATS_URL is required');
      expect(output).toMatch(/PORT: /);
      expect(output).not.toContain('listening');
    });
  }

  /** Each service with the database it opens first pointed at a port nobody listens on. */
  const unreachable = async (name: ServiceName): Promise<Record<string, string>> => {
    const port = await freePort();
    const env = databases.env(name);
    return name === 'order-service'
      ? { ...env, MONGODB_URL: `mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=2000` }
      : { ...env, DATABASE_URL: `postgres://demo:demo@127.0.0.1:${port}/none` };
  };

  for (const name of SERVICES) {
    it(`${name}: an unreachable database is logged, telemetry is flushed, and it exits 1`, async () => {
      // A log batch is exported only every minute: the record arrives only if the failure path flushes.
      const serviceName = uniqueName(`${name}-startup`);
      const { code, output } = await runUntilExit(name, {
        ...(await unreachable(name)),
        NATS_URL: nats.url,
        OTEL_SERVICE_NAME: serviceName,
        OTEL_BLRP_SCHEDULE_DELAY: '60000',
      });
      expect(code).toBe(1);
      const fatal = jsonLines(output).find((line) => line.level === 'fatal');
      expect(fatal, output).toMatchObject({ service: name, msg: `${name} failed to start` });
      expect(fatal?.err).toBeDefined();
      expect(output).not.toContain('listening');

      const sink = otlpSink().forService(serviceName);
      const logs = await sink.waitFor(
        `the fatal log record of ${serviceName} at the collector`,
        () => sink.logs(),
        (all) => all.some((l) => l.resource['service.name'] === serviceName && l.severityText === 'fatal'),
      );
      const record = logs.find(
        (l) => l.resource['service.name'] === serviceName && l.severityText === 'fatal',
      );
      expect(record?.body).toBe(`${name} failed to start`);
    });
  }
});
