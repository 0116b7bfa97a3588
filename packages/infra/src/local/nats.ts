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
}

export async function startNats({
  dir,
  port,
  syncInterval,
  monitorPort,
}: NatsLaunchOptions): Promise<ServerRecord> {
  mkdirSync(join(dir, 'jetstream'), { recursive: true });
  const monitor = monitorPort ?? (await freePort());
  const logFile = join(dir, 'nats-server.log');
  const configFile = join(dir, 'nats-server.conf');
  writeFileSync(
    configFile,
    renderNatsConfig({
      serverName: 'demo-local',
      host: '127.0.0.1',
      clientPort: port,
      monitorPort: monitor,
      storeDir: join(dir, 'jetstream'),
      syncInterval,
    }),
  );
  const pid = spawnDaemon(binaries().natsServer, ['-c', configFile], { logFile });
  const url = `nats://127.0.0.1:${port}`;
  await waitUntil(`nats-server on ${url} (log: ${logFile})`, () => probeNats(url));
  return {
    name: 'nats',
    url,
    pid,
    logFile,
    extra: {
      monitoring: `http://127.0.0.1:${monitor}`,
      ...(syncInterval ? { sync_interval: syncInterval } : {}),
    },
  };
}
