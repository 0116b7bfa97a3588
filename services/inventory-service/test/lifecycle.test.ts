import { readFileSync } from 'node:fs';
import { type InventoryReservedData, OrderCreatedV1 } from '@demo/contracts';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryService } from '../src/service.js';
import { eventually, Harness, order, sku } from './harness.js';

/** The migrations drizzle-kit generated (drizzle/meta/_journal.json), each to be applied once. */
const migrations = (
  JSON.parse(readFileSync(new URL('../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as {
    entries: unknown[];
  }
).entries.length;

/** Start-up, graceful shutdown, and a crash between the commit and the publish. */
describe('inventory-service lifecycle', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('applies its migrations once, with more instances starting at once', async () => {
    const first = h.service;
    const [second, third] = await Promise.all([h.startService(), h.startService()]);
    const { rows } = await h.pg.query<{ n: string }>(
      'select count(*) as n from drizzle.__drizzle_migrations',
    );
    expect(Number(rows[0]?.n)).toBe(migrations);
    expect(migrations).toBeGreaterThanOrEqual(2);
    expect(await second.stop()).toBe(0);
    expect(await third.stop()).toBe(0);
    h.service = first;
    expect((await h.http('GET', '/ready')).status).toBe(200);
    // Two processes starting at once on a busy two-core machine: each may take its minute to be ready.
  }, 150_000);

  it('shuts down gracefully on SIGTERM: relay, bus, telemetry, pools, in that order; exit 0', async () => {
    const service = h.service;
    await h.stock(sku('BYE'), 1);
    expect(await service.stop()).toBe(0);
    const records = service
      .output()
      .split('\n')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as { msg?: string; step?: string; position?: number; exitCode?: number }];
        } catch {
          return [];
        }
      });
    const done = records.filter((r) => r.msg === 'shutdown step done');
    expect(done.sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).map((r) => r.step)).toEqual([
      'outbox relay',
      'bus',
      'telemetry',
      'postgres',
      'mongodb',
    ]);
    expect(records.find((r) => r.msg === 'shutdown complete')?.exitCode).toBe(0);
  });

  it('crashes after committing a reservation (FAULT_CRASH_AFTER_COMMIT), then publishes it exactly once after a restart', async () => {
    const code = sku('CRASH');
    await h.startService();
    await h.stock(code, 5, 2);
    await h.service.stop();

    const faulty = await h.startService({ FAULT_CRASH_AFTER_COMMIT: 'inventory.reserved' });
    const o = order([{ sku: code, quantity: 2 }]);
    await h.publish(OrderCreatedV1, o);
    expect(await h.exited(faulty)).toBe('SIGKILL');

    // Committed, not published.
    expect(await h.reservation(o.orderId)).toMatchObject({ status: 'RESERVED' });
    expect(await h.item(code)).toEqual({ available: 3, reserved: 2 });
    const { rows } = await h.pg.query<{ subject: string }>(
      "select subject from outbox where published_at is null and data->>'orderId' = $1 order by subject",
      [o.orderId],
    );
    expect(rows.map((r) => r.subject)).toEqual(['inventory.reserved', 'inventory.stock-changed']);
    const reservedEvents = async () =>
      (await h.published<InventoryReservedData>('inventory.reserved')).filter(
        (e) => e.data.orderId === o.orderId,
      );
    expect(await reservedEvents()).toEqual([]);

    await h.startService();
    await eventually('inventory.reserved after the restart', async () => (await reservedEvents()).length > 0);

    // The orders.created the crash left unacknowledged comes back once its ack wait (30 s) ends:
    // it must find the reservation and reserve nothing again.
    const jsm = await jetstreamManager(h.bus.nc);
    await eventually(
      'the redelivered orders.created to be acknowledged',
      async () => {
        const info = await jsm.consumers.info('ORDERS', inventoryService.durableOf(OrderCreatedV1));
        return info.num_ack_pending === 0 && info.num_pending === 0 && info.num_redelivered === 0;
      },
      60_000,
    );
    await h.settled();
    expect(await reservedEvents()).toHaveLength(1);
    expect(await h.item(code)).toEqual({ available: 3, reserved: 2 });
    const { rows: reservations } = await h.pg.query('select 1 from reservations where order_id = $1', [
      o.orderId,
    ]);
    expect(reservations).toHaveLength(1);
  }, 120_000);

  it('refuses to start without its required configuration, naming each variable', async () => {
    // The process exits at once; the bound only covers a slow start of the runtime itself.
    const failed = h.startService({ DATABASE_URL: '', NATS_URL: '' }, { readyTimeoutMs: 60_000 });
    await expect(failed).rejects.toThrow(/NATS_URL is required/);
    await expect(failed).rejects.toThrow(/DATABASE_URL is required/);
  }, 90_000);
});
