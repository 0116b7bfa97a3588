import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsCluster, startNatsCluster } from '../src/index.js';

describe('3-node JetStream cluster on loopback', () => {
  let dir: string;
  let cluster: NatsCluster;
  let nc: NatsConnection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-cluster-'));
    cluster = await startNatsCluster({ dir });
    nc = await connect({ servers: [...cluster.servers], reconnectTimeWait: 200, maxReconnectAttempts: -1 });
  }, 120_000);
  afterAll(async () => {
    await nc?.close();
    await cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps an R3 stream readable and writable after kill -9 of its leader, and the node catches up on restart', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'HA', subjects: ['ha.>'], num_replicas: 3 });
    // A new R3 stream answers publishes once its replicas elected a leader (before: no responders).
    const leader = await cluster.streamLeader('HA');
    const js = jetstream(nc);
    for (let i = 0; i < 50; i += 1)
      await js.publish('ha.before', String(i), { msgID: `before-${i}`, timeout: 10_000 });

    expect(cluster.nodes.map((n) => n.name)).toContain(leader);
    expect(await cluster.streamFollowers('HA')).toHaveLength(2);

    await cluster.kill(leader);
    const next = await cluster.streamLeader('HA');
    expect(next).not.toBe(leader);

    for (let i = 0; i < 50; i += 1)
      await js.publish('ha.after', String(i), { msgID: `after-${i}`, timeout: 10_000 });
    // A duplicate id inside the window is still dropped by the new leader.
    const again = await js.publish('ha.before', '0', { msgID: 'before-0', timeout: 10_000 });
    expect(again.duplicate).toBe(true);
    expect((await jsm.streams.info('HA')).state.messages).toBe(100);

    await cluster.restart(leader);
    // The restarted node has the messages written while it was gone: it is a current replica again.
    await expect
      .poll(
        async () => {
          const info = await jsm.streams.info('HA');
          return info.cluster?.replicas?.every((r) => r.current) && info.cluster.replicas.length === 2;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);
    const direct = await connect({ servers: cluster.node(leader).url });
    try {
      const restartedView = await (await jetstreamManager(direct)).streams.info('HA');
      expect(restartedView.state.messages).toBe(100);
    } finally {
      await direct.close();
    }
  });
});
