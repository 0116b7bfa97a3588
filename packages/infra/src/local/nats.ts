import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaries } from '../paths.js';
import { freePort } from '../ports.js';
import { probeNats } from '../probes.js';
import { spawnDaemon, waitUntil } from '../process.js';
import { renderNatsConfig, type SyncInterval } from './nats-config.js';
import type { LaunchOptions, ServerRecord } from './types.js';

export interface NatsLaunchOptions extends LaunchOptions {
  /** `always`: fsync every write before acknowledging it (the server default is every 2 minutes). */
  syncInterval?: SyncInterval;
  /** Fixed monitoring port (for restarts on the same ports); a free one by default. */
  monitorPort?: number;
  /**
   * Authorization on: the `authorization` block (deploy/nats/auth.conf, `renderNatsAuthorization()`),
   * written beside the server's configuration as `auth.conf` and included by it, as compose and
   * Kubernetes do; and the password of every identity it names, by variable (given to nats-server
   * in its environment). The readiness probe connects as the provisioner.
   */
  authorization?: {
    block: string;
    passwords: Record<string, string>;
    probeAs: { user: string; pass: string };
  };
}

export async function startNats({
  dir,
  port,
  syncInterval,
  monitorPort,
  authorization,
}: NatsLaunchOptions): Promise<ServerRecord> {
  mkdirSync(join(dir, 'jetstream'), { recursive: true });
  const monitor = monitorPort ?? (await freePort());
  const logFile = join(dir, 'nats-server.log');
  const configFile = join(dir, 'nats-server.conf');
  if (authorization) writeFileSync(join(dir, 'auth.conf'), authorization.block);
  writeFileSync(
    configFile,
    renderNatsConfig({
      serverName: 'demo-local',
      host: '127.0.0.1',
      clientPort: port,
      monitorPort: monitor,
      storeDir: join(dir, 'jetstream'),
      syncInterval,
    }) + (authorization ? 'include "auth.conf"\n' : ''),
  );
  const env = authorization ? { ...process.env, ...authorization.passwords } : undefined;
  const pid = spawnDaemon(binaries().natsServer, ['-c', configFile], { logFile, env });
  const url = `nats://127.0.0.1:${port}`;
  await waitUntil(`nats-server on ${url} (log: ${logFile})`, () => probeNats(url, authorization?.probeAs));
  return {
    name: 'nats',
    url,
    pid,
    logFile,
    extra: {
      monitoring: `http://127.0.0.1:${monitor}`,
      ...(syncInterval ? { sync_interval: syncInterval } : {}),
      ...(authorization ? { authorization: 'deploy/nats/auth.conf' } : {}),
    },
  };
}
