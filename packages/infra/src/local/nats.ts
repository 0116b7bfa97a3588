import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { binaries } from '../paths.js';
import { freePort } from '../ports.js';
import { probeNats } from '../probes.js';
import { spawnDaemon, waitUntil } from '../process.js';
import type { LaunchOptions, ServerRecord } from './types.js';

export async function startNats({ dir, port }: LaunchOptions): Promise<ServerRecord> {
  mkdirSync(join(dir, 'jetstream'), { recursive: true });
  const monitorPort = await freePort();
  const logFile = join(dir, 'nats-server.log');
  const pid = spawnDaemon(
    binaries().natsServer,
    [
      '-js',
      '-sd',
      join(dir, 'jetstream'),
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      String(monitorPort),
      '-n',
      'demo-local',
    ],
    { logFile },
  );
  const url = `nats://127.0.0.1:${port}`;
  await waitUntil(`nats-server on ${url} (log: ${logFile})`, () => probeNats(url));
  return { name: 'nats', url, pid, logFile, extra: { monitoring: `http://127.0.0.1:${monitorPort}` } };
}
