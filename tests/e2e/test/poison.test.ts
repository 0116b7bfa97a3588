import { connect as tcp } from 'node:net';
import { type JsMsg, jetstream } from '@nats-io/jetstream';
import { connect, headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, Saga, type ServiceName, sku } from './saga.js';

/**
 * Hostile messages on the subjects each service consumes, published the way `nats pub` would:
 * no service exits, each message lands in DLQ exactly once with its reason, and the saga goes on.
 */

function hdrs(values: Record<string, string>): MsgHdrs {
  const h = headers();
  for (const [k, v] of Object.entries(values)) h.set(k, v);
  return h;
}

/** A header block nats.js cannot decode (a space in a header name), through a bare socket. */
async function rawPublish(url: string, subject: string, body: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const headerBlock = Buffer.from('NATS/1.0\r\nbad key: v\r\n\r\n');
  await new Promise<void>((resolve, reject) => {
    const socket = tcp({ host: hostname, port: Number(port) });
    socket.once('error', reject);
    socket.once('data', () => {
      const b = Buffer.from(body);
      socket.write('CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1}\r\n');
      socket.write(`HPUB ${subject} ${headerBlock.length} ${headerBlock.length + b.length}\r\n`);
      socket.write(Buffer.concat([headerBlock, b, Buffer.from('\r\nPING\r\n')]));
      socket.on('data', (chunk) => {
        if (chunk.toString().includes('PONG')) {
          socket.end();
          resolve();
        }
      });
    });
  });
}

async function deadLetters(nc: NatsConnection): Promise<JsMsg[]> {
  const consumer = await jetstream(nc).consumers.get('DLQ');
  const out: JsMsg[] = [];
  for (;;) {
    const msg = await consumer.next({ expires: 1_000 });
    if (!msg) return out;
    out.push(msg);
  }
}

describe('hostile messages against the real services', () => {
  let saga: Saga;
  let nc: NatsConnection;

  beforeAll(async () => {
    saga = await Saga.start();
    nc = await connect({ servers: saga.nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await saga?.stop();
  });

  it('no service exits; each message is dead-lettered once with its reason; the next order completes', async () => {
    const js = jetstream(nc);
    const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    const expected = new Map<string, string>(); // `<stream>:<seq>` → dead-letter reason
    const send = async (subject: string, body: string | Uint8Array, reason: string, h?: MsgHdrs) => {
      try {
        const ack = await js.publish(subject, body, { headers: h });
        expected.set(`${ack.stream}:${ack.seq}`, reason);
      } catch {
        // JetStream refused it (e.g. Nats-TTL on a stream without per-message TTL): nothing to consume.
      }
    };
    const anOrder = { orderId: crypto.randomUUID(), userId: crypto.randomUUID(), items: [], createdAt: 'x' };

    // inventory-service consumes orders.created
    await send('orders.created', 'hello\nworld', 'unparseable');
    await send('orders.created', 'a\r\nb', 'unparseable');
    await send('orders.created', 'nul\u0000byte', 'unparseable');
    await send('orders.created', new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), 'unparseable');
    await send('orders.created', `"${'x'.repeat(maxPayload - 2_000)}`, 'unparseable');
    await send('orders.created', '{', 'unparseable', hdrs({ 'Nats-Expected-Stream': 'ORDERS' }));
    await send('orders.created', '{', 'unparseable', hdrs({ 'Nats-Msg-Id': 'chosen-by-a-user' }));
    await send('orders.created', '{', 'unparseable', hdrs({ 'Nats-TTL': '1h' }));
    await send('orders.created', '{', 'unparseable', hdrs({ 'Nats-Rollup': 'sub' }));
    await send(
      'orders.created',
      JSON.stringify(anOrder),
      'schema_invalid',
      hdrs({ traceparent: 'garbage\u00ff' }),
    );
    await send(
      'orders.created',
      JSON.stringify(anOrder),
      'schema_invalid',
      hdrs({ 'ce-time': '+275760-09-13T00:00:00Z' }),
    );
    const before = await js.publish('orders.created', '{', { msgID: crypto.randomUUID() });
    expected.set(`${before.stream}:${before.seq}`, 'unparseable');
    await rawPublish(saga.nats.url, 'orders.created', '{"orderId":"x"}');
    expected.set(`ORDERS:${before.seq + 1}`, 'headers_invalid');
    // order-service consumes users.deleted and inventory.reserved
    await send('users.deleted', 'hello\nworld', 'unparseable');
    await send('inventory.reserved', '\u0000', 'unparseable', hdrs({ 'Nats-Expected-Stream': 'INVENTORY' }));
    // user-service consumes orders.confirmed
    await send('orders.confirmed', 'a lone \r', 'unparseable');
    await send(
      'orders.confirmed',
      '{"orderId": 1}',
      'schema_invalid',
      hdrs({ 'ce-time': 'not a time at all' }),
    );

    const dead = await eventually(
      'every hostile message dead-lettered',
      () => deadLetters(nc),
      (d) => d.length >= expected.size,
      30_000,
    );
    const found = new Map<string, string>();
    for (const d of dead) {
      const key = `${d.headers?.get('dlq-stream')}:${d.headers?.get('dlq-stream-sequence')}`;
      expect(found.has(key), `dead-lettered twice: ${key}`).toBe(false);
      found.set(key, d.headers?.get('dlq-reason') ?? '');
      expect(d.data.length + (d.headers?.toString().length ?? 0)).toBeLessThanOrEqual(maxPayload);
    }
    expect(Object.fromEntries(found)).toEqual(Object.fromEntries(expected));

    for (const name of ['user-service', 'order-service', 'inventory-service'] as ServiceName[]) {
      const child = saga.services.get(name)?.child;
      expect({ name, exit: child?.exitCode ?? child?.signalCode ?? null }).toEqual({ name, exit: null });
    }

    // The next real order goes all the way through.
    const user = await saga.createUser();
    const s = sku('P');
    await saga.stock(s, 3);
    const order = await eventually(
      'order accepted',
      () => saga.placeOrder(user.body.id, [{ sku: s, quantity: 1 }]),
      (r) => r.status === 201,
    );
    expect((await saga.settled(order.body.id)).body.status).toBe('CONFIRMED');
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await deadLetters(nc)).length).toBe(expected.size);
  });
});
