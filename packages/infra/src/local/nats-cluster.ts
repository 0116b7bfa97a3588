import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { binaries } from '../paths.js';
import { freePort } from '../ports.js';
import { probeNats } from '../probes.js';
import { isAlive, spawnDaemon, stopProcess, waitUntil } from '../process.js';
import { renderNatsConfig, type SyncInterval } from './nats-config.js';
import type { ServerRecord } from './types.js';

export interface NatsClusterOptions {
  /** Folder for the nodes' stores, configuration files and logs (one sub-folder a node). */
  dir: string;
  /** Number of nodes; 3 by default (R3 streams survive the loss of one). */
  size?: number;
  /** Fixed client ports (one a node), e.g. for `npm run infra -- up --cluster`; free ports by default. */
  clientPorts?: readonly number[];
  clusterName?: string;
  syncInterval?: SyncInterval;
  /** How long to wait for the cluster to be healthy. */
  readyTimeoutMs?: number;
  /**
   * Where each node lives: its address, and the command prefix that runs a process there
   * (e.g. `ip netns exec <ns>`). Loopback, no prefix, by default.
   */
  placement?: (index: number) => { host: string; prefix: readonly string[] };
  /**
   * Authorization on every node, as `startNats` takes it: the block (written beside each node's
   * configuration as `auth.conf` and included), the passwords by variable, the identity that
   * probes and reads stream state.
   */
  authorization?: {
    block: string;
    passwords: Record<string, string>;
    probeAs: { user: string; pass: string };
  };
}

export interface NatsNode {
  /** The server name, e.g. `n1`: what JetStream reports as a stream's leader. */
  name: string;
  url: string;
  clientPort: number;
  clusterPort: number;
  monitoring: string;
  dir: string;
  logFile: string;
  pid: number;
}

export interface NatsCluster {
  readonly nodes: readonly NatsNode[];
  /** Every node's client URL, as a connection option or a comma-separated `NATS_URL`. */
  readonly servers: readonly string[];
  readonly url: string;
  node(name: string): NatsNode;
  /** SIGKILL of one node: no flush, no goodbye to its peers. */
  kill(name: string): Promise<void>;
  /** SIGTERM (lame duck, clean shutdown) of one node. */
  stop(name: string): Promise<void>;
  /** Starts a stopped or killed node again on its own store and ports; waits until it is healthy. */
  restart(name: string): Promise<void>;
  /** The server name of the current leader of `stream`. */
  streamLeader(stream: string): Promise<string>;
  /** Names of the nodes that hold a replica of `stream` but do not lead it. */
  streamFollowers(stream: string): Promise<string[]>;
  /** Resolves once every running node answers `/healthz` (JetStream current) and accepts clients. */
  healthy(timeoutMs?: number): Promise<void>;
  /** The nodes as server records (for the stack's state file). */
  records(): ServerRecord[];
  /** Stops every node; the stores stay in `dir`. */
  close(): Promise<void>;
}

interface NodePlan {
  name: string;
  host: string;
  prefix: readonly string[];
  clientPort: number;
  clusterPort: number;
  monitorPort: number;
  dir: string;
  configFile: string;
  logFile: string;
}

async function healthz(monitoring: string): Promise<void> {
  const response = await fetch(`${monitoring}/healthz`, { signal: AbortSignal.timeout(2_000) });
  if (response.status !== 200)
    throw new Error(`${monitoring}/healthz answered ${response.status}: ${await response.text()}`);
}

/**
 * Starts a JetStream cluster on loopback: each node with its own store, client, route and
 * monitoring port, routes to every peer. Waits until every node is healthy and the
 * JetStream meta group has a leader.
 */
export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  const size = options.size ?? 3;
  if (size < 1) throw new RangeError(`a cluster needs at least one node (size ${size})`);
  if (options.clientPorts && options.clientPorts.length !== size)
    throw new RangeError(`${options.clientPorts.length} client ports for ${size} nodes`);
  const clusterName = options.clusterName ?? 'demo';
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const plans: NodePlan[] = [];
  for (let i = 0; i < size; i += 1) {
    const name = `n${i + 1}`;
    const dir = join(options.dir, name);
    const where = options.placement?.(i) ?? { host: '127.0.0.1', prefix: [] };
    plans.push({
      name,
      host: where.host,
      prefix: where.prefix,
      clientPort: options.clientPorts?.[i] ?? (await freePort()),
      clusterPort: await freePort(),
      monitorPort: await freePort(),
      dir,
      configFile: join(dir, 'nats-server.conf'),
      logFile: join(dir, 'nats-server.log'),
    });
  }
  const { authorization } = options;
  for (const plan of plans) {
    mkdirSync(join(plan.dir, 'jetstream'), { recursive: true });
    if (authorization) writeFileSync(join(plan.dir, 'auth.conf'), authorization.block);
    writeFileSync(
      plan.configFile,
      renderNatsConfig({
        serverName: plan.name,
        host: plan.host,
        clientPort: plan.clientPort,
        monitorPort: plan.monitorPort,
        storeDir: join(plan.dir, 'jetstream'),
        syncInterval: options.syncInterval,
        cluster: {
          name: clusterName,
          port: plan.clusterPort,
          peers: plans.filter((p) => p !== plan).map((p) => ({ host: p.host, port: p.clusterPort })),
        },
      }) + (authorization ? 'include "auth.conf"\n' : ''),
    );
  }
  const pids = new Map<string, number>();
  const launch = (plan: NodePlan) => {
    const [command = binaries().natsServer, ...args] = [
      ...plan.prefix,
      binaries().natsServer,
      '-c',
      plan.configFile,
    ];
    const env = authorization ? { ...process.env, ...authorization.passwords } : undefined;
    pids.set(plan.name, spawnDaemon(command, args, { logFile: plan.logFile, env }));
  };

  const toNode = (plan: NodePlan): NatsNode => ({
    name: plan.name,
    url: `nats://${plan.host}:${plan.clientPort}`,
    clientPort: plan.clientPort,
    clusterPort: plan.clusterPort,
    monitoring: `http://${plan.host}:${plan.monitorPort}`,
    dir: plan.dir,
    logFile: plan.logFile,
    pid: pids.get(plan.name) ?? -1,
  });
  const planOf = (name: string): NodePlan => {
    const plan = plans.find((p) => p.name === name);
    if (!plan)
      throw new Error(`no node ${name} in the cluster (nodes: ${plans.map((p) => p.name).join(', ')})`);
    return plan;
  };
  const servers = plans.map((p) => `nats://${p.host}:${p.clientPort}`);
  const running = () => plans.filter((p) => isAlive(pids.get(p.name) ?? -1));

  const waitNodeHealthy = (plan: NodePlan, timeoutMs: number) =>
    waitUntil(
      `cluster node ${plan.name} on ${plan.host}:${plan.clientPort} (log: ${plan.logFile})`,
      async () => {
        if (!isAlive(pids.get(plan.name) ?? -1)) throw new Error('the process exited');
        await healthz(`http://${plan.host}:${plan.monitorPort}`);
        await probeNats(`nats://${plan.host}:${plan.clientPort}`, authorization?.probeAs);
      },
      timeoutMs,
    );

  const streamInfo = async (stream: string) => {
    const nc = await connect({
      servers,
      timeout: 2_000,
      reconnect: false,
      ...(authorization ? { user: authorization.probeAs.user, pass: authorization.probeAs.pass } : {}),
    });
    try {
      const jsm = await jetstreamManager(nc, { timeout: 5_000 });
      return await jsm.streams.info(stream);
    } finally {
      await nc.close();
    }
  };

  const cluster: NatsCluster = {
    get nodes() {
      return plans.map(toNode);
    },
    servers,
    url: servers.join(','),
    node: (name) => toNode(planOf(name)),
    kill: async (name) => {
      const pid = pids.get(planOf(name).name) ?? -1;
      if (!isAlive(pid)) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        process.kill(pid, 'SIGKILL');
      }
      await waitUntil(`node ${name} gone after SIGKILL`, async () => {
        if (isAlive(pid)) throw new Error('still running');
      });
    },
    stop: async (name) => stopProcess(pids.get(planOf(name).name) ?? -1),
    restart: async (name) => {
      const plan = planOf(name);
      if (isAlive(pids.get(plan.name) ?? -1))
        throw new Error(`node ${name} still runs: kill or stop it first`);
      launch(plan);
      await waitNodeHealthy(plan, readyTimeoutMs);
    },
    streamLeader: async (stream) => {
      let leader = '';
      await waitUntil(`a leader for stream ${stream}`, async () => {
        const info = await streamInfo(stream);
        if (!info.cluster?.leader) throw new Error('no leader yet');
        leader = info.cluster.leader;
      });
      return leader;
    },
    streamFollowers: async (stream) => {
      const info = await streamInfo(stream);
      return (info.cluster?.replicas ?? []).map((r) => r.name);
    },
    healthy: async (timeoutMs = readyTimeoutMs) => {
      await Promise.all(running().map((plan) => waitNodeHealthy(plan, timeoutMs)));
    },
    records: () =>
      plans.map((plan) => ({
        name: 'nats' as const,
        url: `nats://${plan.host}:${plan.clientPort}`,
        pid: pids.get(plan.name) ?? -1,
        logFile: plan.logFile,
        extra: {
          node: plan.name,
          monitoring: `http://${plan.host}:${plan.monitorPort}`,
          routes: `${plan.host}:${plan.clusterPort}`,
          ...(authorization ? { authorization: 'deploy/nats/auth.conf' } : {}),
        },
      })),
    close: async () => {
      await Promise.all(plans.map((plan) => stopProcess(pids.get(plan.name) ?? -1)));
    },
  };

  // All at once: the JetStream meta group needs a quorum before any node reports healthy.
  for (const plan of plans) launch(plan);
  try {
    await cluster.healthy();
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}
