import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetnsNetwork,
  eventually,
  type NatsCluster,
  type NetnsNetwork,
  startNatsCluster,
} from '../src/index.js';

describe('3-node cluster in network namespaces: a partition of the stream leader', () => {
  let dir: string;
  let net: NetnsNetwork;
  let cluster: NatsCluster;
  let nc: NatsConnection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-partition-'));
    net = await createNetnsNetwork(3);
    cluster = await startNatsCluster({
      dir,
      placement: (i) => ({ host: net.hosts[i] ?? '', prefix: net.prefix(i) }),
    });
    nc = await connect({
      servers: [...cluster.servers],
      reconnectTimeWait: 200,
      maxReconnectAttempts: -1,
      pingInterval: 1_000,
      maxPingOut: 2,
    });
  }, 120_000);
  afterAll(async () => {
    await nc?.close();
    await cluster?.close();
    await net?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('elects a leader on the majority side, keeps writing there, and the healed node catches up', async () => {
    const jsm = await jetstreamManager(nc);
    // Right after start the meta group may still be electing ("temporarily unavailable"): retry.
    await eventually(
      'stream PART created',
      () => jsm.streams.add({ name: 'PART', subjects: ['part.>'], num_replicas: 3 }).catch(() => undefined),
      (info) => info?.config.name === 'PART',
      15_000,
    );
    // Created is not yet led: until its replicas elect a leader, a publish finds no responder.
    await cluster.streamLeader('PART');
    const js = jetstream(nc);
    for (let i = 0; i < 20; i += 1)
      await js.publish('part.before', String(i), { msgID: `b-${i}`, timeout: 15_000, retries: 5 });
    const leader = await cluster.streamLeader('PART');
    const index = cluster.nodes.findIndex((n) => n.name === leader);

    await net.partition(index);
    // The majority elects another leader; the client (whatever node it was on) gets there.
    await expect
      .poll(async () => (await cluster.streamLeader('PART').catch(() => leader)) !== leader, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(true);
    for (let i = 0; i < 20; i += 1)
      await js.publish('part.during', String(i), { msgID: `d-${i}`, timeout: 15_000, retries: 5 });

    await net.heal(index);
    await cluster.healthy();
    // The healed node has every message, the 20 written while it was cut off too.
    const isolated = await connect({ servers: cluster.node(leader).url });
    try {
      await expect
        .poll(
          async () => {
            const view = await jetstreamManager(isolated, { checkAPI: false });
            return (await view.streams.info('PART')).state.messages;
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe(40);
    } finally {
      await isolated.close();
    }
  }, 120_000);
});
