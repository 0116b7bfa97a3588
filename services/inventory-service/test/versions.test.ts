import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CE, DLQ, type EventData } from '@demo/bus';
import { type InventoryReservedData, OrderCreatedV1, OrderCreatedV2 } from '@demo/contracts';
import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, Harness, order, sku } from './harness.js';

/**
 * inventory-service after its move to `orders.created` v2, against the real service: v2 from
 * the upgraded producer, v1 from a producer not yet upgraded or still in the stream, and a v1
 * dead letter from before the upgrade, replayed.
 */
describe('inventory-service on orders.created v2', () => {
  let h: Harness;

  const reservedOf = async (orderId: string) =>
    (await h.published<InventoryReservedData>('inventory.reserved')).filter(
      (e) => e.data.orderId === orderId,
    );
  const reservedFor = async (orderId: string) => {
    await eventually(`inventory.reserved for ${orderId}`, async () => (await reservedOf(orderId)).length > 0);
    const found = await reservedOf(orderId);
    expect(found).toHaveLength(1);
    return found[0];
  };

  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('new producer: v2 reserves at the quoted unit price, and at the catalogue price where none was quoted', async () => {
    const quotedSku = sku('Q');
    const listedSku = sku('L');
    await h.stock(quotedSku, 10, 20);
    await h.stock(listedSku, 10, 3.5);
    const o: EventData<typeof OrderCreatedV2> = {
      orderId: randomUUID(),
      userId: randomUUID(),
      items: [
        { sku: quotedSku, quantity: 2, unitPrice: 18.99 },
        { sku: listedSku, quantity: 1, unitPrice: null },
      ],
      currency: 'EUR',
      createdAt: new Date().toISOString(),
    };
    await h.publish(OrderCreatedV2, o);
    const reserved = await reservedFor(o.orderId);
    expect(reserved?.data.items).toEqual([
      { sku: quotedSku, quantity: 2, unitPrice: 18.99 },
      { sku: listedSku, quantity: 1, unitPrice: 3.5 },
    ]);
    expect(reserved?.data.total).toBe(41.48);
  });

  it('old producer: v1 (no prices) is upcast and reserved at the catalogue price', async () => {
    const s = sku('O');
    await h.stock(s, 10, 4.25);
    const o = order([{ sku: s, quantity: 2 }]);
    await h.publish(OrderCreatedV1, o);
    const reserved = await reservedFor(o.orderId);
    expect(reserved?.data.items).toEqual([{ sku: s, quantity: 2, unitPrice: 4.25 }]);
    expect(reserved?.data.total).toBe(8.5);
  });

  it('a v1 dead letter from before the upgrade, replayed, is reserved; a version it does not know is dead-lettered as unsupported_version', async () => {
    const s = sku('D');
    await h.stock(s, 5, 7);
    const o = order([{ sku: s, quantity: 1 }]);
    const eventId = randomUUID();
    // What the v1 consumer left in DLQ before the upgrade: the original message and headers, the failure added.
    const dead = natsHeaders();
    dead.set(CE.specversion, '1.0');
    dead.set(CE.id, eventId);
    dead.set(CE.source, '/order-service');
    dead.set(CE.type, OrderCreatedV1.type);
    dead.set(CE.time, o.createdAt);
    dead.set('content-type', 'application/json');
    dead.set(DLQ.reason, 'handler_failed');
    dead.set(DLQ.error, 'connect ECONNREFUSED (PostgreSQL was down)');
    dead.set(DLQ.deliveryCount, '5');
    dead.set(DLQ.consumer, 'inventory-service--orders-created');
    dead.set(DLQ.subject, 'orders.created');
    const js = jetstream(h.bus.nc);
    const { seq } = await js.publish('dlq.orders.created', JSON.stringify(o), {
      headers: dead,
      msgID: `dlq:${eventId}`,
    });

    // After the upgrade: the project's dead-letter tool puts it back on its subject.
    const replay = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'bus', '--', 'dlq', 'replay', String(seq)],
      {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        env: {
          ...process.env,
          NATS_URL: h.nats.url,
          // An operator's tool: it runs as the provisioner, the identity that may read DLQ.
          NATS_USER: h.nats.credentials.provisioner?.user ?? '',
          NATS_PASSWORD: h.nats.credentials.provisioner?.pass ?? '',
          OTEL_SDK_DISABLED: 'true',
        },
      },
    );
    expect(replay.stdout).toMatch(/replay/i);

    const reserved = await reservedFor(o.orderId);
    expect(reserved?.data.items).toEqual([{ sku: s, quantity: 1, unitPrice: 7 }]);
    expect(await h.item(s)).toEqual({ available: 4, reserved: 1 });

    // A v3 nobody has written a consumer for: not guessed at, dead-lettered with the reason.
    const future = randomUUID();
    const v3 = natsHeaders();
    v3.set(CE.id, future);
    v3.set(CE.type, 'orders.created.v3');
    await js.publish('orders.created', JSON.stringify({ orderId: future, lines: [] }), {
      headers: v3,
      msgID: future,
    });
    const deadLetterOf = async (id: string) => {
      const consumer = await js.consumers.get('DLQ', { filter_subjects: ['dlq.orders.created'] });
      try {
        for (;;) {
          const msg = await consumer.next({ expires: 1_000 });
          if (!msg) return undefined;
          if (msg.headers?.get(CE.id) === id) return msg.headers;
        }
      } finally {
        await consumer.delete().catch(() => {});
      }
    };
    await eventually('the v3 message in DLQ', async () => (await deadLetterOf(future)) !== undefined);
    const unreadable = await deadLetterOf(future);
    expect(unreadable?.get(DLQ.reason)).toBe('unsupported_version');
    expect(unreadable?.get(DLQ.error)).toMatch(
      /orders.created v3 is not accepted by this consumer \(accepts v1, v2\)/,
    );
    expect(await reservedOf(future)).toEqual([]);
  });
});
