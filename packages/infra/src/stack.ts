import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector } from './local/collector.js';
import { startFerretDb } from './local/ferretdb.js';
import { startNats } from './local/nats.js';
import { startNatsCluster } from './local/nats-cluster.js';
import type { SyncInterval } from './local/nats-config.js';
import { startPostgres } from './local/postgres.js';
import type { ServerRecord } from './local/types.js';
import { freePort } from './ports.js';
import { isAlive, stopProcess } from './process.js';

export interface StackPorts {
  nats: number;
  postgres: number;
  mongodb: number;
  collector: number;
}

/** The ports of `npm run infra -- up`: the usual ones, so tools find them without configuration. */
export const DEFAULT_PORTS: StackPorts = { nats: 4222, postgres: 5432, mongodb: 27017, collector: 4318 };

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
  const results = await Promise.allSettled([
    startNatsServers(options, ports),
    startPostgres({ dir: join(options.dir, 'postgres'), port: ports.postgres }),
    startFerretDb({ dir: join(options.dir, 'ferretdb'), port: ports.mongodb }),
    startCollector({
      dir: join(options.dir, 'collector'),
      port: ports.collector,
      overlay: options.overlay,
      sinkUrl: options.sinkUrl,
    }),
  ]);
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
    return [await startNats({ dir, port: ports.nats, syncInterval: options.natsSyncInterval })];
  const cluster = await startNatsCluster({
    dir,
    clientPorts: options.ports === 'ephemeral' ? undefined : [ports.nats, ports.nats + 1, ports.nats + 2],
    syncInterval: options.natsSyncInterval,
  });
  return cluster.records();
}

export async function stopStack(stack: Stack): Promise<void> {
  await Promise.all(stack.servers.map((s) => stopProcess(s.pid)));
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
  return {
    NATS_URL: url('nats'),
    DATABASE_URL: url('postgres'),
    MONGODB_URL: url('mongodb'),
    OTEL_EXPORTER_OTLP_ENDPOINT: url('collector'),
  };
}
