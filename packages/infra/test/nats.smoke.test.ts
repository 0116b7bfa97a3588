import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServers, uniqueName } from '../src/index.js';

describe('NATS JetStream (smoke)', () => {
  let nc: NatsConnection;
  const stream = uniqueName('SMOKE');
  const subject = `${stream.toLowerCase()}.ping`;

  beforeAll(async () => {
    nc = await connect({ servers: testServers().natsUrl });
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  });

  it('stores a published message and delivers it once to a durable consumer that acks it', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] });
    await jsm.consumers.add(stream, { durable_name: 'smoke', ack_policy: AckPolicy.Explicit });

    const js = jetstream(nc);
    const ack = await js.publish(subject, JSON.stringify({ hello: 'world' }), { msgID: 'smoke-1' });
    expect(ack).toMatchObject({ stream, seq: 1, duplicate: false });

    const consumer = await js.consumers.get(stream, 'smoke');
    const msg = await consumer.next({ expires: 5_000 });
    expect(msg?.subject).toBe(subject);
    expect(msg?.json()).toEqual({ hello: 'world' });
    await msg?.ackAck();

    const info = await consumer.info();
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
    expect(info.delivered.stream_seq).toBe(1);
  });
});
