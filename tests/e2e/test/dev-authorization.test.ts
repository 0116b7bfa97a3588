/**
 * The configuration `npm run dev` runs, with NATS authorization on: nats-server with the committed
 * deploy/nats/auth.conf and the passwords of the stack's credentials file (as `npm run infra -- up`
 * starts it), the provisioning step as the provisioner, then the three services each as its own
 * user (the variables `npm run dev` gives them). The README's saga completes; a forged publish
 * and a stream created by a service's user are refused.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus, PermissionDeniedError, silentLogger } from '@demo/bus';
import { InventoryReserved, streams } from '@demo/contracts';
import {
  AUTH_CONF,
  createTestDatabase,
  freePort,
  natsAuthorization,
  natsEnvOf,
  readCredentials,
  renderNatsAuthorization,
  runProvisioningStep,
  type ServiceProcess,
  serviceMongoEnv,
  startNats,
  startService,
  stopProcess,
  type TestDatabase,
  uniqueName,
} from '@demo/infra';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually } from './saga.js';

type Name = 'user-service' | 'order-service' | 'inventory-service';

describe('npm run dev with NATS authorization (deploy/nats/auth.conf)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-dev-auth-'));
  const natsDir = join(dir, 'nats');
  let natsPid = 0;
  let url = '';
  let credentials: Record<string, string> = {};
  let databases: TestDatabase[] = [];
  const services = new Map<Name, ServiceProcess>();
  const urlOf = (name: Name) => services.get(name)?.url ?? '';
  const connectAs = (user: string) =>
    Bus.connect({
      name: user,
      servers: url,
      user,
      pass: credentials[user],
      logger: silentLogger,
    });

  beforeAll(async () => {
    const server = await startNats({
      dir: natsDir,
      port: await freePort(),
      authorization: natsAuthorization(natsDir),
    });
    natsPid = server.pid;
    url = server.url;
    credentials = readCredentials(natsDir) ?? {};
    const [users, inventory] = await Promise.all([
      createTestDatabase('users'),
      createTestDatabase('inventory'),
    ]);
    databases = [users, inventory];
    await runProvisioningStep({ url, credentials, out: () => {} });
    const env: Record<Name, Record<string, string>> = {
      'user-service': { DATABASE_URL: users.url },
      'order-service': { ...serviceMongoEnv('order-service'), MONGODB_DATABASE: uniqueName('orders') },
      'inventory-service': {
        DATABASE_URL: inventory.url,
        ...serviceMongoEnv('inventory-service'),
        MONGODB_DATABASE: uniqueName('inventory'),
      },
    };
    for (const name of ['user-service', 'order-service', 'inventory-service'] as const) {
      services.set(
        name,
        await startService({ name, env: { NATS_URL: url, ...env[name], ...natsEnvOf(name, credentials) } }),
      );
    }
  }, 240_000);

  afterAll(async () => {
    await Promise.all([...services.values()].map((s) => s.stop()));
    if (natsPid) await stopProcess(natsPid);
    await Promise.all(databases.map((d) => d.drop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the committed auth.conf, the block the tests render, with a password per identity', () => {
    expect(readFileSync(AUTH_CONF, 'utf8')).toBe(renderNatsAuthorization());
    expect(readFileSync(join(natsDir, 'auth.conf'), 'utf8')).toBe(readFileSync(AUTH_CONF, 'utf8'));
    expect(readFileSync(join(natsDir, 'nats-server.conf'), 'utf8')).toContain('include "auth.conf"');
    expect(Object.keys(credentials).sort()).toEqual([
      'inventory-service',
      'order-service',
      'provisioner',
      'user-service',
    ]);
    expect(new Set(Object.values(credentials)).size).toBe(4);
    expect(natsEnvOf('order-service', credentials)).toEqual({
      NATS_USER: 'order-service',
      NATS_PASSWORD: credentials['order-service'],
    });
  });

  it('completes the README saga: user, item, order CONFIRMED, the user counts it', async () => {
    const user = await call<{ id: string }>('POST', `${urlOf('user-service')}/api/users`, {
      email: `${uniqueName('ada')}@example.com`,
      name: 'Ada Lovelace',
    });
    expect(user.status, JSON.stringify(user.body)).toBe(201);
    const sku = `BOOK-${randomUUID().slice(0, 8).toUpperCase()}`;
    const item = await call('POST', `${urlOf('inventory-service')}/api/inventory`, {
      sku,
      name: 'Notes on the Analytical Engine',
      quantity: 10,
      unitPrice: 12.5,
    });
    expect(item.status, JSON.stringify(item.body)).toBe(201);
    // The customer reaches order-service as an event: 422 until it has.
    const placed = await eventually(
      'the order placed',
      () =>
        call<{ id: string }>('POST', `${urlOf('order-service')}/api/orders`, {
          userId: user.body.id,
          items: [{ sku, quantity: 2 }],
        }),
      (answer) => answer.status !== 422,
      20_000,
    );
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const confirmed = await eventually(
      'the order confirmed',
      () =>
        call<{ status: string; total: number }>(
          'GET',
          `${urlOf('order-service')}/api/orders/${placed.body.id}`,
        ),
      (answer) => answer.body.status !== 'PENDING',
      20_000,
    );
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMED', total: 25 });
    const counted = await eventually(
      'the order counted',
      () => call<{ orderCount: number }>('GET', `${urlOf('user-service')}/api/users/${user.body.id}`),
      (answer) => answer.body.orderCount > 0,
      20_000,
    );
    expect(counted.body.orderCount).toBe(1);
  }, 90_000);

  it("refuses a forged inventory.reserved from order-service's user, with a typed error", async () => {
    const bus = await connectAs('order-service');
    try {
      const error = await bus
        .publish(InventoryReserved, {
          orderId: randomUUID(),
          reservationId: randomUUID(),
          items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 0.01 }],
          total: 0.01,
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect(error).toMatchObject({ subject: 'inventory.reserved' });
    } finally {
      await bus.close();
    }
  });

  it("refuses a stream created or purged by a service's user: only the provisioner manages streams", async () => {
    const bus = await connectAs('user-service');
    try {
      const created = await bus.provision([{ ...streams[0], name: 'FORGED', subjects: ['forged.>'] }]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String(created)).toMatch(/permission/i);
      const jsm = await jetstreamManager(bus.nc);
      const purged = await jsm.streams.purge('USERS').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String(purged)).toMatch(/permission/i);
    } finally {
      await bus.close();
    }
    const admin = await connectAs('provisioner');
    try {
      const jsm = await jetstreamManager(admin.nc);
      expect((await jsm.streams.info('USERS')).state.messages).toBeGreaterThan(0);
      expect((await jsm.streams.names().next()).includes('FORGED')).toBe(false);
    } finally {
      await admin.close();
    }
  });
});
