import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, Saga, sku } from './saga.js';

/** Reads every message of a subject from the start of its stream. */
async function published(natsUrl: string, stream: string, subject: string): Promise<unknown[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const js = jetstream(nc);
    const consumer = await js.consumers.get(stream, { filter_subjects: [subject] });
    const out: unknown[] = [];
    for (;;) {
      const msg = await consumer.next({ expires: 1_000 });
      if (!msg) return out;
      out.push(msg.json());
    }
  } finally {
    await nc.close();
  }
}

describe('crash between commit and publish', () => {
  let saga: Saga;
  beforeAll(async () => {
    saga = await Saga.start({ 'inventory-service': { FAULT_CRASH_AFTER_COMMIT: 'inventory.reserved' } });
  });
  afterAll(async () => {
    await saga?.stop();
  });

  it('publishes the committed event exactly once after restart, and the saga completes', async () => {
    const user = await saga.createUser();
    const s = sku('K');
    await saga.stock(s, 5);
    const order = await eventually(
      'order accepted',
      () => saga.placeOrder(user.body.id, [{ sku: s, quantity: 2 }]),
      (r) => r.status === 201,
    );

    const inventory = saga.services.get('inventory-service')!;
    await eventually(
      'inventory-service crashed',
      async () => inventory.child.exitCode ?? inventory.child.signalCode,
      (c) => c !== null,
    );
    expect((await saga.order(order.body.id)).body.status).toBe('PENDING');

    await saga.start('inventory-service', {}, inventory.port);
    await saga.settled(order.body.id, 'CONFIRMED');

    await new Promise((r) => setTimeout(r, 1_000));
    const reserved = (await published(saga.nats.url, 'INVENTORY', 'inventory.reserved')) as Array<{
      orderId: string;
    }>;
    expect(reserved.filter((e) => e.orderId === order.body.id)).toHaveLength(1);
    const confirmed = (await published(saga.nats.url, 'ORDERS', 'orders.confirmed')) as Array<{
      orderId: string;
    }>;
    expect(confirmed.filter((e) => e.orderId === order.body.id)).toHaveLength(1);
  });
});
