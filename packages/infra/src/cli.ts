/**
 * npm run infra -- install [component...] | up [--cluster] [--sync-interval=always] | down | status
 *
 * Local servers for development on a machine without Docker: pinned binaries built once
 * into the cache, started on loopback with data under .infra/ (git-ignored).
 */

import { join } from 'node:path';
import { LOCAL_SERVICE_DATABASES, provisionServiceDatabases } from './databases.js';
import { type Component, ensureInstalled, install } from './install.js';
import { parseSyncInterval, type SyncInterval } from './local/nats-config.js';
import { readCredentials } from './local/nats-credentials.js';
import type { ServerRecord } from './local/types.js';
import { PROVISIONER } from './nats-auth.js';
import { binaries, cacheDir, stateDir } from './paths.js';
import { probeHttp, probeMongo, probeNats, probePostgres } from './probes.js';
import { SERVER_VARIABLES } from './resolve.js';
import {
  DEFAULT_PORTS,
  readStack,
  restartDead,
  running,
  type Stack,
  stackEnv,
  startStack,
  stopStack,
} from './stack.js';

/** The PostgreSQL databases of the services (docker compose creates the same ones). */
const SERVICE_DATABASES = Object.values(LOCAL_SERVICE_DATABASES);

const COMPONENTS: Component[] = [
  'nats-server',
  'nats',
  'ferretdb',
  'otelcol',
  'prometheus',
  'kustomize',
  'jaeger',
];

/** What `up` starts: the servers, the collector, and the trace UI and Prometheus to look into. */
const UP_COMPONENTS: Component[] = ['nats-server', 'nats', 'ferretdb', 'otelcol', 'prometheus', 'jaeger'];

/** The provisioner's user and password where the local NATS runs with authorization. */
function provisionerAuth(server: ServerRecord): { user: string; pass: string } | undefined {
  if (server.extra.authorization === undefined) return undefined;
  const pass = readCredentials(join(stateDir, 'nats'))?.[PROVISIONER];
  return pass === undefined ? undefined : { user: PROVISIONER, pass };
}

/** The connection variables of the stack, with the documented user of tools where NATS has authorization. */
function toolEnv(stack: Stack): Record<string, string> {
  const env = stackEnv(stack);
  const nats = stack.servers.find((s) => s.name === 'nats');
  const auth = nats && provisionerAuth(nats);
  return auth ? { ...env, NATS_USER: auth.user, NATS_PASSWORD: auth.pass } : env;
}

async function probe(server: ServerRecord): Promise<string> {
  switch (server.name) {
    case 'nats':
      return probeNats(server.url, provisionerAuth(server));
    case 'postgres':
      return probePostgres(server.url);
    case 'mongodb':
      return probeMongo(server.url);
    case 'collector':
      return probeHttp(server.extra.health ?? server.url);
    case 'jaeger':
      return probeHttp(`${server.url}/`);
    case 'prometheus':
      return probeHttp(`${server.url}/-/ready`);
  }
}

function printEnv(env: Record<string, string>): void {
  console.log('\nConnection settings (export them, or put them in .env):');
  for (const [key, value] of Object.entries(env)) console.log(`  ${key}=${value}`);
  console.log(
    `  NATS CLI: npm run nats -- pub users.created '{...}'   (${binaries().natsCli} -s ${env.NATS_URL}${env.NATS_USER ? ` as ${env.NATS_USER}` : ''})`,
  );
  if (env.NATS_USER)
    console.log(
      `  NATS authorization on (deploy/nats/auth.conf): npm run dev starts each service as its own user; passwords in ${join(stateDir, 'nats', 'credentials.json')}`,
    );
}

function printUis(stack: Stack): void {
  const url = (name: ServerRecord['name']) => stack.servers.find((s) => s.name === name)?.url;
  const jaeger = url('jaeger');
  const prometheus = url('prometheus');
  if (jaeger) console.log(`  Traces (Jaeger UI): ${jaeger}/search`);
  if (prometheus) console.log(`  Metrics (Prometheus): ${prometheus}/graph`);
}

async function status(): Promise<number> {
  const stack = readStack(stateDir);
  if (!stack) {
    console.log('no local servers (start them with `npm run infra -- up`)');
    return 1;
  }
  let healthy = true;
  for (const server of stack.servers) {
    let state: string;
    if (!running(server)) {
      state = 'not running';
      healthy = false;
    } else {
      state = await probe(server).catch((error: unknown) => {
        healthy = false;
        return `not answering: ${error instanceof Error ? error.message : String(error)}`;
      });
    }
    console.log(
      `${server.name.padEnd(10)} pid ${String(server.pid).padEnd(8)} ${server.url.padEnd(48)} ${state}`,
    );
    for (const [key, value] of Object.entries(server.extra)) console.log(`${''.padEnd(20)}${key}: ${value}`);
  }
  return healthy ? 0 : 1;
}

/** `up --cluster` (3 JetStream nodes on 4222-4224) and `--sync-interval=always` (or NATS_SYNC_INTERVAL). */
function natsFlags(args: readonly string[]): { natsCluster: boolean; natsSyncInterval?: SyncInterval } {
  const unknown = args.filter((a) => a !== '--cluster' && !a.startsWith('--sync-interval='));
  if (unknown.length > 0) throw new Error(`unknown option(s) for up: ${unknown.join(' ')}`);
  const sync =
    args.find((a) => a.startsWith('--sync-interval='))?.split('=', 2)[1] ?? process.env.NATS_SYNC_INTERVAL;
  return {
    natsCluster: args.includes('--cluster'),
    natsSyncInterval: sync ? parseSyncInterval(sync) : undefined,
  };
}

async function main(): Promise<number> {
  const [command = 'status', ...rest] = process.argv.slice(2);
  switch (command) {
    case 'install': {
      const unknown = rest.filter((c) => !COMPONENTS.includes(c as Component));
      if (unknown.length > 0)
        throw new Error(`unknown component(s) ${unknown.join(', ')}; known: ${COMPONENTS.join(', ')}`);
      await install(rest as Component[]);
      console.log(`installed in ${cacheDir}/bin`);
      return 0;
    }
    case 'up': {
      if (SERVER_VARIABLES.every((name) => process.env[name])) {
        console.log(
          'servers are configured by the environment (NATS_URL, DATABASE_URL, ...): not starting local ones',
        );
        return 0;
      }
      await ensureInstalled(UP_COMPONENTS);
      const existing = readStack(stateDir);
      if (existing?.servers.some(running)) {
        const natsAuthorization = existing.servers.some(
          (s) => s.name === 'nats' && s.extra.authorization !== undefined,
        );
        const restarted = await restartDead(existing, DEFAULT_PORTS, { overlay: 'local', natsAuthorization });
        if (restarted.length > 0) {
          console.log(`restarted ${restarted.join(', ')} (not running); the others already ran:`);
          await provisionServiceDatabases(stackEnv(existing).DATABASE_URL ?? '', SERVICE_DATABASES);
        } else console.log('local servers already run:');
        const mongo = existing.servers.find((s) => s.name === 'mongodb');
        if (mongo?.extra.backendUrl !== undefined && mongo.extra.serviceUsers === undefined)
          console.log(
            'FerretDB runs from before the per-service MongoDB users (.env.development connects as them): run `npm run infra -- down`, then `up` again',
          );
        const code = await status();
        printEnv(toolEnv(existing));
        printUis(existing);
        return code;
      }
      const flags = natsFlags(rest);
      const stack = await startStack({
        dir: stateDir,
        ports: DEFAULT_PORTS,
        overlay: 'local',
        ...flags,
        // deploy/nats/auth.conf, as compose and Kubernetes run it (on every node of a cluster).
        natsAuthorization: true,
      });
      await provisionServiceDatabases(stackEnv(stack).DATABASE_URL ?? '', SERVICE_DATABASES);
      console.log(`local servers started (data and logs in ${stateDir}):`);
      await status();
      printEnv(toolEnv(stack));
      printUis(stack);
      return 0;
    }
    case 'down': {
      const stack = readStack(stateDir);
      if (!stack) {
        console.log('no local servers to stop');
        return 0;
      }
      await stopStack(stack);
      console.log(`stopped ${stack.servers.map((s) => s.name).join(', ')}`);
      return 0;
    }
    case 'status':
      return status();
    case 'env': {
      const stack = readStack(stateDir);
      if (!stack) throw new Error('no local servers: run `npm run infra -- up` first');
      for (const [key, value] of Object.entries(toolEnv(stack))) console.log(`${key}=${value}`);
      return 0;
    }
    default:
      console.error(
        'usage: npm run infra -- install [component...] | up [--cluster] [--sync-interval=always] | down | status | env',
      );
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[infra] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
