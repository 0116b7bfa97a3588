import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector } from './local/collector.js';
import { startFerretDb, stopFerretDb } from './local/ferretdb.js';
import { startJaeger } from './local/jaeger.js';
import { startNats } from './local/nats.js';
import { startNatsCluster } from './local/nats-cluster.js';
import type { SyncInterval } from './local/nats-config.js';
import { ensureCredentials, passwordEnv } from './local/nats-credentials.js';
import { startPostgres } from './local/postgres.js';
import { startPrometheus } from './local/prometheus.js';
import type { ServerRecord } from './local/types.js';
import { PROVISIONER } from './nats-auth.js';
import { repoRoot } from './paths.js';
import { freePort } from './ports.js';
import { isAlive, stopProcess } from './process.js';

export interface StackPorts {
  nats: number;
  postgres: number;
  mongodb: number;
  collector: number;
  /** The local trace UI and metrics store (overlay `local` only). */
  jaeger?: number;
  jaegerOtlp?: number;
  prometheus?: number;
  /** The collector's own metrics, scraped by the local Prometheus. */
  collectorMetrics?: number;
}

/** The ports of `npm run infra -- up`: the usual ones, so tools find them without configuration. */
export const DEFAULT_PORTS: StackPorts = {
  nats: 4222,
  postgres: 5432,
  mongodb: 27017,
  collector: 4318,
  jaeger: 16686,
  jaegerOtlp: 4320,
  prometheus: 9090,
  collectorMetrics: 8888,
};

export interface StackOptions {
  dir: string;
  /** Fixed ports, or `ephemeral` for free ports (tests). */
  ports: StackPorts | 'ephemeral';
  overlay: 'local' | 'test';
  sinkUrl?: string;
  /** NATS as a 3-node JetStream cluster (client ports `nats`, `nats`+1, `nats`+2 when fixed). */
  natsCluster?: boolean;
  /** JetStream fsync policy of every NATS node (`always`: fsync before each acknowledgement). */
  natsSyncInterval?: SyncInterval;
  /**
   * NATS with authorization on (deploy/nats/auth.conf, the users and permissions compose and
   * Kubernetes run), each identity's password from `<dir>/nats/credentials.json` (made once);
   * on every node of a cluster too.
   */
  natsAuthorization?: boolean;
}

/** The committed authorization block every environment runs (`npm run nats:auth` writes it). */
export const AUTH_CONF = join(repoRoot, 'deploy', 'nats', 'auth.conf');

/**
 * The `authorization` option of `startNats` for a stack's NATS folder: the committed auth.conf,
 * and the passwords of `<natsDir>/credentials.json` (made the first time).
 */
export function natsAuthorization(natsDir: string) {
  const credentials = ensureCredentials(natsDir);
  return {
    block: readFileSync(AUTH_CONF, 'utf8'),
    passwords: passwordEnv(credentials),
    probeAs: { user: PROVISIONER, pass: credentials[PROVISIONER] ?? '' },
  };
}

export interface Stack {
  dir: string;
  servers: ServerRecord[];
}

const stateFile = (dir: string) => join(dir, 'state.json');

async function resolvePorts(ports: StackOptions['ports']): Promise<StackPorts> {
  if (ports !== 'ephemeral') return ports;
  return {
    nats: await freePort(),
    postgres: await freePort(),
    mongodb: await freePort(),
    collector: await freePort(),
  };
}

/**
 * Starts nats-server (JetStream), PostgreSQL, FerretDB and the collector on loopback with
 * data under `dir`, waits until each answers, and records them in `dir/state.json`.
 * A server that fails to start stops the ones already started.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  mkdirSync(options.dir, { recursive: true });
  // PostgreSQL runs as its own user when we are root: it must be able to reach its folder.
  chmodSync(options.dir, 0o755);
  const ports = await resolvePorts(options.ports);
  const names = serverNames(options.overlay, ports);
  const results = await Promise.allSettled(
    names.map((name) =>
      name === 'nats' ? startNatsServers(options, ports) : startServer(name, options.dir, ports, options),
    ),
  );
  const stack: Stack = {
    dir: options.dir,
    servers: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value].flat() : [])),
  };
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    await stopStack(stack);
    const messages = failures.map((f) => (f instanceof Error ? f.message : String(f)));
    throw new Error(`local servers did not start:\n  - ${messages.join('\n  - ')}`);
  }
  writeFileSync(stateFile(options.dir), JSON.stringify(stack, null, 2));
  return stack;
}

async function startNatsServers(options: StackOptions, ports: StackPorts): Promise<ServerRecord[]> {
  const dir = join(options.dir, 'nats');
  if (!options.natsCluster)
    return [
      await startNats({
        dir,
        port: ports.nats,
        syncInterval: options.natsSyncInterval,
        ...(options.natsAuthorization ? { authorization: natsAuthorization(dir) } : {}),
      }),
    ];
  const cluster = await startNatsCluster({
    dir,
    clientPorts: options.ports === 'ephemeral' ? undefined : [ports.nats, ports.nats + 1, ports.nats + 2],
    syncInterval: options.natsSyncInterval,
    ...(options.natsAuthorization ? { authorization: natsAuthorization(dir) } : {}),
  });
  return cluster.records();
}

/** The servers of a stack: the local one adds Jaeger and Prometheus when their ports are given. */
function serverNames(overlay: StackOptions['overlay'], ports: StackPorts): ServerRecord['name'][] {
  const names: ServerRecord['name'][] = ['nats', 'postgres', 'mongodb', 'collector'];
  if (overlay === 'local' && ports.jaeger && ports.jaegerOtlp) names.push('jaeger');
  if (overlay === 'local' && ports.prometheus) names.push('prometheus');
  return names;
}

/** Starts one server of the stack (the first time, or again after it died: same folder, same port). */
function startServer(
  name: ServerRecord['name'],
  dir: string,
  ports: StackPorts,
  options: Pick<StackOptions, 'overlay' | 'sinkUrl' | 'natsSyncInterval' | 'natsAuthorization'>,
): Promise<ServerRecord> {
  switch (name) {
    case 'nats':
      return startNats({
        dir: join(dir, 'nats'),
        port: ports.nats,
        syncInterval: options.natsSyncInterval,
        ...(options.natsAuthorization ? { authorization: natsAuthorization(join(dir, 'nats')) } : {}),
      });
    case 'postgres':
      return startPostgres({ dir: join(dir, 'postgres'), port: ports.postgres });
    case 'mongodb':
      return startFerretDb({ dir: join(dir, 'ferretdb'), port: ports.mongodb });
    case 'collector':
      return startCollector({
        dir: join(dir, 'collector'),
        port: ports.collector,
        overlay: options.overlay,
        sinkUrl: options.sinkUrl,
        ...(ports.collectorMetrics ? { metricsPort: ports.collectorMetrics } : {}),
        backends: {
          ...(ports.jaeger && ports.jaegerOtlp ? { tempo: `http://127.0.0.1:${ports.jaegerOtlp}` } : {}),
          ...(ports.prometheus ? { prometheus: `http://127.0.0.1:${ports.prometheus}/api/v1/otlp` } : {}),
        },
      });
    case 'jaeger':
      return startJaeger({
        dir: join(dir, 'jaeger'),
        port: ports.jaeger ?? 16686,
        otlpPort: ports.jaegerOtlp ?? 4320,
      });
    case 'prometheus':
      return startPrometheus({
        dir: join(dir, 'prometheus'),
        port: ports.prometheus ?? 9090,
        ...(ports.collectorMetrics ? { collectorMetrics: `127.0.0.1:${ports.collectorMetrics}` } : {}),
      });
  }
}

/**
 * Starts again, in place, every server of `stack` that is not running (same folder and port), and
 * records the new pids. Answers the names of those it restarted.
 */
export async function restartDead(
  stack: Stack,
  ports: StackPorts,
  options: Pick<StackOptions, 'overlay' | 'sinkUrl' | 'natsAuthorization'>,
): Promise<ServerRecord['name'][]> {
  const dead = stack.servers.filter((s) => !running(s));
  const missing = serverNames(options.overlay, ports).filter((n) => !stack.servers.some((s) => s.name === n));
  const todo = [...dead.map((s) => s.name), ...missing];
  for (const name of todo) {
    const record = await startServer(name, stack.dir, ports, options);
    stack.servers = [...stack.servers.filter((s) => s.name !== name), record];
    writeFileSync(stateFile(stack.dir), JSON.stringify(stack, null, 2));
  }
  return todo;
}

export async function stopStack(stack: Stack): Promise<void> {
  await Promise.all(stack.servers.map((s) => (s.name === 'mongodb' ? stopFerretDb(s) : stopProcess(s.pid))));
  rmSync(stateFile(stack.dir), { force: true });
}

export function readStack(dir: string): Stack | undefined {
  if (!existsSync(stateFile(dir))) return undefined;
  return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as Stack;
}

export function running(server: ServerRecord): boolean {
  return isAlive(server.pid);
}

/** Connection settings of a stack, as the services and tests read them from the environment. */
export function stackEnv(stack: Stack): Record<string, string> {
  // Every NATS node of a cluster: clients fail over to the others.
  const url = (name: ServerRecord['name']) =>
    stack.servers
      .filter((s) => s.name === name)
      .map((s) => s.url)
      .join(',');
  const serviceUsers = stack.servers.find((s) => s.name === 'mongodb')?.extra.serviceUsers;
  return {
    NATS_URL: url('nats'),
    DATABASE_URL: url('postgres'),
    // FerretDB on PostgreSQL: the admin identity (PLAIN); the services have users of their own.
    MONGODB_URL: url('mongodb'),
    ...(serviceUsers ? { MONGODB_SERVICE_USERS: serviceUsers } : {}),
    OTEL_EXPORTER_OTLP_ENDPOINT: url('collector'),
  };
}
