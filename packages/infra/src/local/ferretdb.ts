import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabases } from '../databases.js';
import { binaries } from '../paths.js';
import { freePort } from '../ports.js';
import { probeMongo, probePostgres } from '../probes.js';
import { isAlive, spawnDaemon, stopProcess, waitUntil } from '../process.js';
import { startPostgres } from './postgres.js';
import type { LaunchOptions, ServerRecord } from './types.js';

/** Where FerretDB keeps the documents: SQLite files, or a PostgreSQL of its own. */
export type FerretDbBackend = 'sqlite' | 'postgresql';

export const FERRETDB_BACKENDS: readonly FerretDbBackend[] = ['sqlite', 'postgresql'];

/**
 * The backend of the local FerretDB: `DEMO_FERRETDB_BACKEND`, else PostgreSQL, which measured
 * about 6.5 times SQLite's orders/s here (docs/benchmarks.md, "FerretDB backends"): SQLite takes
 * one writer at a time and answers `database is locked` under concurrent writes.
 */
export function ferretDbBackend(value = process.env.DEMO_FERRETDB_BACKEND): FerretDbBackend {
  if (value === undefined || value === '') return 'postgresql';
  if ((FERRETDB_BACKENDS as readonly string[]).includes(value)) return value as FerretDbBackend;
  throw new Error(`DEMO_FERRETDB_BACKEND must be one of ${FERRETDB_BACKENDS.join(', ')}, got "${value}"`);
}

export interface FerretDbOptions extends LaunchOptions {
  /** Default: `ferretDbBackend()`. */
  backend?: FerretDbBackend;
}

/** The PostgreSQL database FerretDB keeps its MongoDB databases in (one schema each). */
const BACKEND_DATABASE = 'ferretdb';

interface BackendState {
  port: number;
}

/**
 * FerretDB's own PostgreSQL, in `dir/postgres`: never the services' PostgreSQL, so stopping one
 * leaves the other up. Reused when it still runs (FerretDB started again after a stop), started
 * on the port it had before otherwise.
 */
async function startBackend(dir: string): Promise<ServerRecord> {
  const stateFile = join(dir, 'backend.json');
  const state = existsSync(stateFile)
    ? (JSON.parse(readFileSync(stateFile, 'utf8')) as BackendState)
    : { port: await freePort() };
  writeFileSync(stateFile, JSON.stringify(state));
  const pidFile = join(dir, 'postgres', 'data', 'postmaster.pid');
  const runningPid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
  if (runningPid > 0 && isAlive(runningPid)) {
    const url = `postgres://postgres:postgres@127.0.0.1:${state.port}/postgres`;
    try {
      await probePostgres(url);
      return {
        name: 'postgres',
        url,
        pid: runningPid,
        logFile: join(dir, 'postgres', 'postgres.log'),
        extra: {},
      };
    } catch {
      // Not answering: start it again below.
    }
  }
  return startPostgres({ dir: join(dir, 'postgres'), port: state.port });
}

/**
 * FerretDB 1.x: a real server speaking the MongoDB wire protocol, on SQLite or on a PostgreSQL
 * of its own. With PostgreSQL, the record names that server's pid (`extra.backendPid`):
 * `stopFerretDb` stops both; stopping only FerretDB (a fault) leaves its storage running.
 */
export async function startFerretDb({
  dir,
  port,
  backend = ferretDbBackend(),
}: FerretDbOptions): Promise<ServerRecord> {
  mkdirSync(dir, { recursive: true });
  // PostgreSQL (the backend) runs as its own user when we are root: it must reach its folder.
  chmodSync(dir, 0o755);
  const logFile = join(dir, 'ferretdb.log');
  let handler: string[];
  let extra: Record<string, string>;
  if (backend === 'postgresql') {
    const storage = await startBackend(dir);
    await createDatabases(storage.url, [BACKEND_DATABASE]);
    const url = new URL(storage.url);
    url.pathname = `/${BACKEND_DATABASE}`;
    handler = ['--handler=postgresql', `--postgresql-url=${url.toString()}`];
    extra = {
      backend: 'FerretDB on PostgreSQL',
      backendPid: String(storage.pid),
      backendUrl: url.toString(),
    };
  } else {
    const dataDir = join(dir, 'sqlite');
    mkdirSync(dataDir, { recursive: true });
    handler = ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`];
    extra = { backend: 'FerretDB on SQLite' };
  }
  const pid = spawnDaemon(
    binaries().ferretdb,
    [
      ...handler,
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
  return { name: 'mongodb', url, pid, logFile, extra };
}

/** Stops FerretDB and, with the PostgreSQL backend, its storage. */
export async function stopFerretDb(record: ServerRecord): Promise<void> {
  await stopProcess(record.pid);
  const backendPid = Number(record.extra.backendPid ?? 0);
  if (backendPid > 0) await stopProcess(backendPid);
}
