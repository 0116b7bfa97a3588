import { freePort, startTestNats, type TestNats } from '@demo/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Databases, SERVICES, startReady } from './processes.js';

/**
 * `NATS_URL` is one server or several, comma-separated, in every service: a service given a list
 * connects to a server of it, provisions its streams and starts its consumers (`/ready` is 200
 * only then).
 */
describe('a comma-separated NATS_URL', () => {
  let first: TestNats;
  let second: TestNats;
  let databases: Databases;

  beforeAll(async () => {
    [first, second, databases] = await Promise.all([startTestNats(), startTestNats(), Databases.create()]);
  });
  afterAll(async () => {
    await Promise.all([first?.remove(), second?.remove(), databases?.drop()]);
  });

  for (const name of SERVICES) {
    it(`${name}: one server that does not answer and one that does`, async () => {
      const bogus = `nats://127.0.0.1:${await freePort()}`;
      const service = await startReady(name, { ...databases.env(name), NATS_URL: `${bogus}, ${first.url}` });
      try {
        const ready = await fetch(`${service.url}/ready`);
        expect(ready.status).toBe(200);
        expect(service.output()).toContain(`"server":"${first.url.replace('nats://', '')}"`);
      } finally {
        expect(await service.stop()).toBe(0);
      }
    });

    it(`${name}: two servers that both answer`, async () => {
      const service = await startReady(name, {
        ...databases.env(name),
        NATS_URL: `${first.url},${second.url}`,
      });
      try {
        const ready = await fetch(`${service.url}/ready`);
        expect(ready.status).toBe(200);
      } finally {
        expect(await service.stop()).toBe(0);
      }
    });
  }
});
