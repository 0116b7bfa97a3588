import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createNetnsNetwork,
  ensureInstalled,
  freePort,
  isAlive,
  LOCAL_SERVICE_DATABASES,
  type LOCAL_SERVICE_MONGODB_USERS,
  mongoServiceEnv,
  type NatsCluster,
  type NetnsNetwork,
  provisionServiceDatabases,
  type ServerRecord,
  type SyncInterval,
  startFerretDb,
  startNats,
  startNatsCluster,
  startPostgres,
  stopFerretDb,
  stopProcess,
  waitUntil,
  withCredentials,
  withDatabase,
} from '@demo/infra';
import { type CuttableProxy, startProxy } from './proxy.js';

export interface FaultStackOptions {
  dir: string;
  /** A 3-node JetStream cluster (R3 streams) instead of one server. */
  cluster: boolean;
  /** The cluster's nodes each in a network namespace of its own, so one can be partitioned. */
  netns?: boolean;
  syncInterval?: SyncInterval;
}

/** Signals a daemon's process group; resolves once it is gone. */
async function signal(pid: number, sig: NodeJS.Signals): Promise<void> {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      return;
    }
  }
  await waitUntil(`process ${pid} gone after ${sig}`, async () => {
    if (isAlive(pid)) throw new Error('still running');
  });
}

/**
 * The harness's own servers: NATS (one server behind a cuttable proxy, or a 3-node cluster),
 * PostgreSQL and FerretDB, each on free loopback ports with data under `dir`, each of which
 * the faults kill, stop and start again on the same data.
 */
export class FaultStack {
  private constructor(
    private readonly options: FaultStackOptions,
    private nats: ServerRecord | undefined,
    private readonly natsPort: number,
    private readonly natsMonitorPort: number,
    readonly cluster: NatsCluster | undefined,
    readonly network: NetnsNetwork | undefined,
    private readonly proxy: CuttableProxy | undefined,
    private postgres: ServerRecord | undefined,
    private readonly postgresPort: number,
    private mongo: ServerRecord | undefined,
    private readonly mongoPort: number,
  ) {}

  static async start(options: FaultStackOptions): Promise<FaultStack> {
    await ensureInstalled(['nats-server', 'ferretdb']);
    mkdirSync(options.dir, { recursive: true });
    // PostgreSQL runs as its own user when we are root: it must be able to reach its folder.
    chmodSync(options.dir, 0o755);
    const [natsPort, natsMonitorPort, postgresPort, mongoPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const started: Array<() => Promise<unknown>> = [];
    try {
      const network = options.cluster && options.netns ? await createNetnsNetwork(3) : undefined;
      if (network) started.push(() => network.remove());
      const cluster = options.cluster
        ? await startNatsCluster({
            dir: join(options.dir, 'nats'),
            syncInterval: options.syncInterval,
            placement: network
              ? (i) => ({ host: network.hosts[i] ?? '', prefix: network.prefix(i) })
              : undefined,
          })
        : undefined;
      if (cluster) started.push(() => cluster.close());
      const nats = options.cluster
        ? undefined
        : await startNats({
            dir: join(options.dir, 'nats'),
            port: natsPort,
            monitorPort: natsMonitorPort,
            syncInterval: options.syncInterval,
          });
      if (nats) started.push(() => stopProcess(nats.pid));
      const proxy = options.cluster ? undefined : await startProxy('nats', natsPort);
      if (proxy) started.push(() => proxy.close());
      const [postgres, mongo] = await Promise.allSettled([
        startPostgres({ dir: join(options.dir, 'postgres'), port: postgresPort }),
        startFerretDb({ dir: join(options.dir, 'ferretdb'), port: mongoPort }),
      ]);
      if (postgres.status === 'fulfilled') started.push(() => stopProcess(postgres.value.pid));
      if (mongo.status === 'fulfilled') started.push(() => stopFerretDb(mongo.value));
      if (postgres.status === 'rejected') throw postgres.reason;
      if (mongo.status === 'rejected') throw mongo.reason;
      // Each service connects as the role that owns its database, as in compose and Kubernetes.
      await provisionServiceDatabases(postgres.value.url, Object.values(LOCAL_SERVICE_DATABASES));
      return new FaultStack(
        options,
        nats,
        natsPort,
        natsMonitorPort,
        cluster,
        network,
        proxy,
        postgres.value,
        postgresPort,
        mongo.value,
        mongoPort,
      );
    } catch (error) {
      // Nothing outlives a failed start.
      await Promise.allSettled(started.map((stop) => stop()));
      throw error;
    }
  }

  /** What the services connect to: the proxy of the single server, or every cluster node. */
  get natsUrl(): string {
    if (this.cluster) return this.cluster.url;
    if (!this.proxy) throw new Error('no NATS proxy');
    return this.proxy.url;
  }

  /** A direct URL for the harness's own reads (not through the proxy). */
  get natsDirectUrl(): string {
    return this.cluster ? this.cluster.url : `nats://127.0.0.1:${this.natsPort}`;
  }

  get replicas(): number {
    return this.cluster ? 3 : 1;
  }

  /** A service database's URL with the credentials of the role that owns it. */
  databaseUrl(name: 'users' | 'inventory'): string {
    const spec = Object.values(LOCAL_SERVICE_DATABASES).find((d) => d.database === name);
    if (!spec) throw new Error(`no service database ${name}`);
    return withCredentials(withDatabase(this.postgresAdminUrl, name), spec.role, spec.password);
  }

  get postgresAdminUrl(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.postgresPort}/postgres`;
  }

  /** The admin's URL (FerretDB on PostgreSQL: the backend's superuser, PLAIN), for the harness's reads. */
  get mongoUrl(): string {
    if (!this.mongo) throw new Error('FerretDB was never started');
    return this.mongo.url;
  }

  /** A service's MongoDB variables: its own user where FerretDB runs on PostgreSQL. */
  mongoEnv(service: keyof typeof LOCAL_SERVICE_MONGODB_USERS): Record<string, string> {
    return mongoServiceEnv(this.mongoUrl, this.mongo?.extra.serviceUsers, service);
  }

  async killNats(): Promise<void> {
    if (!this.nats) throw new Error('killNats is for the single server; kill cluster nodes by name');
    await signal(this.nats.pid, 'SIGKILL');
  }

  async restartNats(): Promise<void> {
    this.nats = await startNats({
      dir: join(this.options.dir, 'nats'),
      port: this.natsPort,
      monitorPort: this.natsMonitorPort,
      syncInterval: this.options.syncInterval,
    });
  }

  async cutNats(): Promise<void> {
    if (!this.proxy) throw new Error('NATS is cut off through the proxy of the single server');
    await this.proxy.cut();
  }

  async restoreNats(): Promise<void> {
    await this.proxy?.restore();
  }

  /** Fast shutdown (SIGINT): PostgreSQL ends every session and stops. */
  async stopPostgres(): Promise<void> {
    if (this.postgres) await signal(this.postgres.pid, 'SIGINT');
  }

  async startPostgres(): Promise<void> {
    this.postgres = await startPostgres({ dir: join(this.options.dir, 'postgres'), port: this.postgresPort });
  }

  async stopMongo(): Promise<void> {
    if (this.mongo) await signal(this.mongo.pid, 'SIGTERM');
  }

  async startMongo(): Promise<void> {
    this.mongo = await startFerretDb({ dir: join(this.options.dir, 'ferretdb'), port: this.mongoPort });
  }

  async close(): Promise<void> {
    await this.proxy?.close();
    await this.cluster?.close();
    await this.network?.remove();
    await Promise.all([
      this.nats && stopProcess(this.nats.pid),
      this.postgres && stopProcess(this.postgres.pid),
      this.mongo && stopFerretDb(this.mongo),
    ]);
  }
}
