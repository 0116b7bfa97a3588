import { runSchemathesis, type ServiceProcess } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Suite, startSuite } from './helpers.js';

/** schemathesis against the running service: 0 server errors, 0 conformance failures. */
describe('order-service API conformance (schemathesis)', () => {
  let suite: Suite;
  let service: ServiceProcess;

  beforeAll(async () => {
    suite = await startSuite({ LOG_LEVEL: 'warn' });
    service = suite.service;
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('serves the committed OpenAPI document', async () => {
    const { readFileSync } = await import('node:fs');
    const served = await (await fetch(`${service.url}/openapi.json`)).json();
    const committed = JSON.parse(
      readFileSync(new URL('../../../docs/openapi/order-service.json', import.meta.url), 'utf8'),
    );
    expect(served).toEqual(committed);
  });

  it('passes every schemathesis check', { timeout: 120_000 }, async () => {
    const result = await runSchemathesis({ baseUrl: service.url });
    process.stdout.write(`[schemathesis] order-service: ${result.summary}\n`);
    expect(result.code, result.output).toBe(0);
  });
});
