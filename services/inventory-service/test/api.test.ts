import { runSchemathesis, type ServiceProcess } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

/** schemathesis against the running service: 0 server errors, 0 conformance failures. */
describe('inventory-service API conformance (schemathesis)', () => {
  let h: Harness;
  let service: ServiceProcess;

  beforeAll(async () => {
    h = await Harness.start({ LOG_LEVEL: 'warn' });
    service = h.service;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves the committed OpenAPI document', async () => {
    const { readFileSync } = await import('node:fs');
    const served = await (await fetch(`${service.url}/openapi.json`)).json();
    const committed = JSON.parse(
      readFileSync(new URL('../../../docs/openapi/inventory-service.json', import.meta.url), 'utf8'),
    );
    expect(served).toEqual(committed);
  });

  it('passes every schemathesis check', { timeout: 120_000 }, async () => {
    const result = await runSchemathesis({ baseUrl: service.url });
    process.stdout.write(`[schemathesis] inventory-service: ${result.summary}\n`);
    expect(result.code, result.output).toBe(0);
  });
});
