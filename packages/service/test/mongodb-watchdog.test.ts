import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ServerRecord, startFerretDb, stopFerretDb } from '@demo/infra';
import type { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMongo, nextStep } from '../src/mongodb/index.js';

const policy = { unknownForMs: 30_000, minReconnectIntervalMs: 60_000 };

describe('the MongoDB watchdog decision', () => {
  it('looks from outside only when the server has been unknown, and the monitor silent, for longer than an outage explains', () => {
    const at = 1_000_000;
    const silent = at - 30_000;
    expect(nextStep({ unknownSince: undefined, lastHeartbeatAt: silent }, at, -Infinity, policy)).toBe(
      'nothing',
    );
    expect(nextStep({ unknownSince: at - 29_999, lastHeartbeatAt: silent }, at, -Infinity, policy)).toBe(
      'nothing',
    );
    expect(nextStep({ unknownSince: at - 30_000, lastHeartbeatAt: silent }, at, -Infinity, policy)).toBe(
      'probe',
    );
    // An outage: heartbeats keep failing twice a second, so the monitor is working; leave it.
    expect(nextStep({ unknownSince: at - 60_000, lastHeartbeatAt: at - 500 }, at, -Infinity, policy)).toBe(
      'nothing',
    );
    // Not again within the reconnect interval.
    expect(nextStep({ unknownSince: at - 40_000, lastHeartbeatAt: silent }, at, at - 59_000, policy)).toBe(
      'nothing',
    );
    expect(nextStep({ unknownSince: at - 40_000, lastHeartbeatAt: silent }, at, at - 60_000, policy)).toBe(
      'probe',
    );
  });
});

/**
 * What the client emits when its server becomes unknown to it. A monitor that stops seeing a
 * server that came back (seen under load after FerretDB restarts: selection failing for minutes
 * while the server answered new connections) could not be provoked on purpose, so the test
 * gives the client that view with the event the driver emits, and checks what the watchdog does
 * with it against a real server: nothing while the server is really away, a reconnect after
 * which the same client (and its databases) works once a new connection reaches it.
 */
function seeServerUnknown(client: MongoClient): void {
  client.emit('topologyDescriptionChanged', {
    newDescription: { servers: new Map([['server', { type: 'Unknown' }]]) },
  } as never);
}

const ping = (client: MongoClient) =>
  client
    .db('watchdog')
    .command({ ping: 1 })
    .then(
      () => true,
      () => false,
    );

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A client whose monitor stopped (what FerretDB restarts under load left behind: selection failing
 * for minutes while the server answered) recovers through the watchdog; the same client without it
 * stays wedged. Real FerretDB, stopped and started on its port.
 */
describe('connectMongo: a client that stopped seeing its server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-mongo-watchdog-'));
  let port: number;
  let server: ServerRecord;
  const warnings: string[] = [];
  const logger = {
    warn: (_: Record<string, unknown>, message: string) => void warnings.push(message),
    debug: () => {},
  };

  beforeAll(async () => {
    port = await freePort();
    server = await startFerretDb({ dir, port });
  }, 120_000);
  afterAll(async () => {
    if (server) await stopFerretDb(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reconnects when the server answers a new connection, not while it is away', async () => {
    const watched = await connectMongo({
      url: server.url,
      database: 'watchdog',
      appName: 'watchdog-test',
      logger,
      watchdog: { unknownForMs: 1_000, minReconnectIntervalMs: 0, intervalMs: 200 },
    });
    const orders = watched.db.collection<{ _id: string }>('orders');
    try {
      await orders.insertOne({ _id: 'before' });

      // Really away: the probe fails too, so the client is left alone.
      await stopFerretDb({ ...server, extra: {} });
      seeServerUnknown(watched.client);
      await new Promise((r) => setTimeout(r, 2_500));
      expect(warnings).toEqual([]);

      // Back, but the client's view says otherwise: the watchdog reconnects the same client.
      server = await startFerretDb({ dir, port });
      seeServerUnknown(watched.client);
      await eventually(
        'the watchdog to reconnect',
        async () => warnings.some((w) => w.startsWith('MongoDB answers a new connection')),
        15_000,
      );
      await eventually('the client to work again', () => ping(watched.client), 15_000);
      // The collection made before the reconnect is the same client's: it works, and it sees the old data.
      await orders.insertOne({ _id: 'after' });
      expect(await orders.countDocuments()).toBe(2);
      expect(warnings.filter((w) => w.startsWith('MongoDB answers a new connection'))).toHaveLength(1);
    } finally {
      await watched.close();
    }
  }, 120_000);
});
