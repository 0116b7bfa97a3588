/**
 * nats-server configuration files, rendered from plain values (no I/O): one node alone, or one
 * node of a loopback cluster with routes to its peers.
 */

/** How often JetStream fsyncs its store: a duration (`2m`, the server default) or `always`. */
export type SyncInterval = 'always' | `${number}${'ms' | 's' | 'm' | 'h'}`;

export interface NatsNodeConfig {
  serverName: string;
  host: string;
  clientPort: number;
  monitorPort: number;
  storeDir: string;
  syncInterval?: SyncInterval;
  /** Present for a cluster node: its route port, the cluster name, and every peer's route address. */
  cluster?: { name: string; port: number; peers: readonly { host: string; port: number }[] };
}

const SYNC_INTERVAL = /^(always|\d+(ms|s|m|h))$/;

/** Accepts `always` or a duration such as `2m`; throws, naming the value, otherwise. */
export function parseSyncInterval(value: string): SyncInterval {
  if (!SYNC_INTERVAL.test(value)) {
    throw new TypeError(`sync interval "${value}" must be "always" or a duration such as 2m, 10s, 500ms`);
  }
  return value as SyncInterval;
}

const quote = (value: string) => JSON.stringify(value);

export function renderNatsConfig(node: NatsNodeConfig): string {
  const lines = [
    `server_name: ${quote(node.serverName)}`,
    `listen: ${quote(`${node.host}:${node.clientPort}`)}`,
    `http: ${quote(`${node.host}:${node.monitorPort}`)}`,
    'jetstream {',
    `  store_dir: ${quote(node.storeDir)}`,
  ];
  // Quoted: unquoted, `2m` would be read as a number (2 million), not a duration.
  if (node.syncInterval) lines.push(`  sync_interval: ${quote(node.syncInterval)}`);
  lines.push('}');
  if (node.cluster) {
    const routes = node.cluster.peers.map(({ host, port }) => `    ${quote(`nats-route://${host}:${port}`)}`);
    lines.push(
      'cluster {',
      `  name: ${quote(node.cluster.name)}`,
      `  listen: ${quote(`${node.host}:${node.cluster.port}`)}`,
      '  routes: [',
      ...routes,
      '  ]',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}
