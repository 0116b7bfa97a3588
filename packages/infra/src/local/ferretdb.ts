import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabases } from '../databases.js';
import { provisionFerretDbIdIndexes } from '../ferretdb-id-index.js';
import { LOCAL_SERVICE_MONGODB_USERS, provisionFerretDbUsers } from '../ferretdb-users.js';
import { binaries } from '../paths.js';
import { freePort } from '../ports.js';
import { probeMongo, probePostgres } from '../probes.js';
import { isAlive, spawnDaemon, stopProcess, waitUntil } from '../process.js';
import { connectionUrl } from '../urls.js';
import { POSTGRES_PASSWORD, startPostgres } from './postgres.js';
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

/** Who a client without credentials is to FerretDB's backend: no such role exists, so it is refused. */
const ANONYMOUS_ROLE = 'ferretdb_anonymous_client';

/** The PostgreSQL database FerretDB keeps its MongoDB databases in (one schema each). */
const BACKEND_DATABASE = 'ferretdb';

interface BackendState {
  port: number;
}

/**
 * The admin identity of the local FerretDB on PostgreSQL: the backend's superuser, whose
 * credentials FerretDB passes on to PostgreSQL (PLAIN; the driver's `authSource` is `$external`).
 * For harnesses and tests that read every service's documents; services get their own users.
 */
export function ferretDbAdminUrl(port: number, host = '127.0.0.1'): string {
  return connectionUrl({
    scheme: 'mongodb',
    host,
    port,
    user: 'postgres',
    password: POSTGRES_PASSWORD,
    params: { authMechanism: 'PLAIN' },
  });
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
  let url = `mongodb://127.0.0.1:${port}/`;
  let env: NodeJS.ProcessEnv | undefined;
  if (backend === 'postgresql') {
    const storage = await startBackend(dir);
    await createDatabases(storage.url, [BACKEND_DATABASE]);
    const backendUrl = new URL(storage.url);
    backendUrl.pathname = `/${BACKEND_DATABASE}`;
    // The services' MongoDB users: roles of the backend, each with its own schemas only.
    await provisionFerretDbUsers(backendUrl.toString(), Object.values(LOCAL_SERVICE_MONGODB_USERS));
    // Lookups by `_id` served by an index, not by reading the whole collection.
    await provisionFerretDbIdIndexes(backendUrl.toString());
    // No user info: FerretDB then connects as each client's PLAIN credentials, and a client
    // without any is refused (the backend knows no role of the operating system's user name).
    const anonymous = new URL(backendUrl);
    anonymous.username = '';
    anonymous.password = '';
    handler = ['--handler=postgresql', `--postgresql-url=${anonymous.toString()}`];
    // Nor does the environment name a default: the driver below FerretDB (pgx) reads PGUSER,
    // PGPASSWORD and ~/.pgpass; a client without credentials is this role, which does not exist.
    env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PG'))),
      PGUSER: ANONYMOUS_ROLE,
      PGPASSFILE: join(dir, 'no-pgpass'),
    };
    // What the record publishes (MONGODB_URL of the tests and of `infra env`): the admin identity.
    url = ferretDbAdminUrl(port);
    extra = {
      backend: 'FerretDB on PostgreSQL',
      backendPid: String(storage.pid),
      backendUrl: backendUrl.toString(),
      serviceUsers: 'local',
    };
  } else {
    const dataDir = join(dir, 'sqlite');
    mkdirSync(dataDir, { recursive: true });
    handler = ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`];
    // SQLite has no users: every client may do everything (documented in the README).
    extra = { backend: 'FerretDB on SQLite' };
  }
  // Its debug server: Prometheus metrics (commands by name) and Go's pprof, for benchmarks.
  const debugPort = await freePort();
  extra.debugUrl = `http://127.0.0.1:${debugPort}/debug`;
  const pid = spawnDaemon(
    binaries().ferretdb,
    [
      ...handler,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dir}`,
      `--debug-addr=127.0.0.1:${debugPort}`,
      '--telemetry=disable',
      '--log-level=WARN',
    ],
    { logFile, env },
  );
  await waitUntil(`FerretDB on 127.0.0.1:${port} (log: ${logFile})`, () => probeMongo(url));
  return { name: 'mongodb', url, pid, logFile, extra };
}

/** Stops FerretDB and, with the PostgreSQL backend, its storage. */
export async function stopFerretDb(record: ServerRecord): Promise<void> {
  await stopProcess(record.pid);
  const backendPid = Number(record.extra.backendPid ?? 0);
  if (backendPid > 0) await stopProcess(backendPid);
}
