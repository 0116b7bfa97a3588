import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { binaries } from '../paths.js';
import { probeMongo } from '../probes.js';
import { spawnDaemon, waitUntil } from '../process.js';
import type { LaunchOptions, ServerRecord } from './types.js';

/** FerretDB 1.x on SQLite: a real server speaking the MongoDB wire protocol. */
export async function startFerretDb({ dir, port }: LaunchOptions): Promise<ServerRecord> {
  const dataDir = join(dir, 'sqlite');
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(dir, 'ferretdb.log');
  const pid = spawnDaemon(
    binaries().ferretdb,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dir}`,
      '--debug-addr=127.0.0.1:0',
      '--telemetry=disable',
      '--log-level=WARN',
    ],
    { logFile },
  );
  const url = `mongodb://127.0.0.1:${port}/`;
  await waitUntil(`FerretDB on ${url} (log: ${logFile})`, () => probeMongo(url));
  return { name: 'mongodb', url, pid, logFile, extra: { backend: 'FerretDB on SQLite' } };
}
