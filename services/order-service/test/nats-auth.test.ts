import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Bus, PermissionDeniedError, silentLogger } from '@demo/bus';
import { InventoryReserved, OrderCreated, streams, topology, UserCreated } from '@demo/contracts';
import { BUS_ROLES, renderNatsAuthorization } from '@demo/infra';
import { jetstreamManager } from '@nats-io/jetstream';
import { PermissionViolationError } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Suite, startSuite } from './helpers.js';

/** The server's refusal, typed, anywhere in the cause chain (the bus and nats.js wrap it). */
function permissionViolation(error: unknown): PermissionViolationError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof PermissionViolationError) return e;
  }
  return undefined;
}

/**
 * NATS least privilege, against a server running the project's authorization: order-service's
 * own user can do its job (the whole suite runs so) and nothing else.
 */
describe('order-service NATS permissions', () => {
  let suite: Suite;
  let asOrderService: Bus;

  beforeAll(async () => {
    suite = await startSuite();
    const own = suite.nats.credentials['order-service'];
    asOrderService = await Bus.connect({
      name: 'order-service',
      servers: suite.nats.url,
      user: own?.user,
      pass: own?.pass,
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await asOrderService?.close(1_000);
    await suite?.close();
  });

  it('publishes its own events', async () => {
    const ack = await asOrderService.publish(OrderCreated, {
      orderId: randomUUID(),
      userId: randomUUID(),
      items: [{ sku: 'SKU-1', quantity: 1, unitPrice: null }],
      currency: 'EUR',
      createdAt: new Date().toISOString(),
    });
    expect(ack.stream).toBe('ORDERS');
  });

  it('is refused a forged inventory.reserved, with a typed error, and nothing is stored', async () => {
    const orderId = randomUUID();
    const started = Date.now();
    const forged = asOrderService.publish(InventoryReserved, {
      orderId,
      reservationId: randomUUID(),
      items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 0.01 }],
      total: 0.01,
    });
    const error = await forged.then(
      () => undefined,
      (e: unknown) => e,
    );
    // At once, typed, not after the publish timeout.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', subject: 'inventory.reserved' });
    expect(permissionViolation(error)).toMatchObject({ operation: 'publish', subject: 'inventory.reserved' });
    const jsm = await jetstreamManager(suite.bus.nc);
    const info = await jsm.streams.info('INVENTORY', { subjects_filter: 'inventory.reserved' });
    expect(info.state.subjects?.['inventory.reserved'] ?? 0).toBe(0);
  });

  it('is refused a stream purge and a stream delete, with a typed error', async () => {
    const jsm = await jetstreamManager(asOrderService.nc);
    const purge = await jsm.streams.purge('ORDERS').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(permissionViolation(purge), String(purge)).toMatchObject({
      operation: 'publish',
      subject: '$JS.API.STREAM.PURGE.ORDERS',
    });
    const remove = await jsm.streams.delete('USERS').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(permissionViolation(remove), String(remove)).toMatchObject({
      operation: 'publish',
      subject: '$JS.API.STREAM.DELETE.USERS',
    });
    const admin = await jetstreamManager(suite.bus.nc);
    expect((await admin.streams.info('ORDERS')).state.messages).toBeGreaterThan(0);
  });

  it('cannot read another service’s events (users.* carries emails)', async () => {
    const seen: string[] = [];
    let refused: unknown;
    const sub = asOrderService.nc.subscribe('users.>', {
      callback: (error, msg) => {
        if (error) refused = error;
        else seen.push(msg.subject);
      },
    });
    await suite.bus.publish(UserCreated, {
      userId: randomUUID(),
      email: 'secret@example.com',
      name: 'Secret',
      createdAt: new Date().toISOString(),
    });
    await sub.closed;
    expect(permissionViolation(refused), String(refused)).toMatchObject({
      operation: 'subscription',
      subject: 'users.>',
    });
    expect(seen).toEqual([]);
  });
});

describe('NATS authorization configuration', () => {
  it('is the committed deploy/nats/auth.conf (run `npm run nats:auth` after changing it)', () => {
    const committed = readFileSync(new URL('../../../deploy/nats/auth.conf', import.meta.url), 'utf8');
    expect(renderNatsAuthorization()).toBe(committed);
  });

  it('gives each service exactly the subjects the event catalog says it produces and consumes', () => {
    for (const role of BUS_ROLES) {
      const produced = topology.filter((r) => r.producer === role.service).map((r) => r.event.subject);
      const consumed = topology
        .filter((r) => r.consumers.some((c) => c.service === role.service))
        .map((r) => r.event.subject)
        .sort();
      expect(
        produced.every((subject) => subject.startsWith(role.produces.subjects.replace('>', ''))),
        role.service,
      ).toBe(true);
      expect(role.consumes.map((c) => c.subject).sort(), role.service).toEqual(consumed);
      for (const { stream, subject } of role.consumes) {
        expect(streams.find((s) => s.name === stream)?.subjects, subject).toContain(
          `${subject.split('.')[0]}.>`,
        );
      }
    }
  });
});
