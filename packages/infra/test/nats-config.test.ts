import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binaries, ensureInstalled, parseSyncInterval, renderNatsConfig } from '../src/index.js';

describe('nats-server configuration', () => {
  it('renders a cluster node with routes to its peers and sync_interval always', () => {
    const text = renderNatsConfig({
      serverName: 'n2',
      host: '127.0.0.1',
      clientPort: 4223,
      monitorPort: 8223,
      storeDir: '/data/n2',
      syncInterval: 'always',
      cluster: {
        name: 'demo',
        port: 6223,
        peers: [
          { host: '127.0.0.1', port: 6222 },
          { host: '127.0.0.1', port: 6224 },
        ],
      },
    });
    expect(text).toContain('server_name: "n2"');
    expect(text).toContain('listen: "127.0.0.1:4223"');
    expect(text).toContain('sync_interval: "always"');
    expect(text).toContain('"nats-route://127.0.0.1:6222"');
    expect(text).toContain('"nats-route://127.0.0.1:6224"');
    expect(text).not.toContain('nats-route://127.0.0.1:6223');
  });

  it('leaves the server default fsync interval when none is chosen, and has no cluster block alone', () => {
    const text = renderNatsConfig({
      serverName: 'solo',
      host: '127.0.0.1',
      clientPort: 1,
      monitorPort: 2,
      storeDir: '/d',
    });
    expect(text).not.toContain('sync_interval');
    expect(text).not.toContain('cluster');
  });

  it('accepts always or a duration, and names a bad value', () => {
    expect(parseSyncInterval('always')).toBe('always');
    expect(parseSyncInterval('2m')).toBe('2m');
    expect(() => parseSyncInterval('sometimes')).toThrow(/"sometimes" must be "always" or a duration/);
  });

  it('writes files nats-server accepts, with sync_interval always or a duration', async () => {
    await ensureInstalled(['nats-server']);
    const dir = mkdtempSync(join(tmpdir(), 'demo-nats-conf-'));
    try {
      for (const syncInterval of ['always', '2m', '500ms'] as const) {
        const file = join(dir, 'n.conf');
        writeFileSync(
          file,
          renderNatsConfig({
            serverName: 'n1',
            host: '127.0.0.1',
            clientPort: 4222,
            monitorPort: 8222,
            storeDir: join(dir, 'js'),
            syncInterval,
            cluster: {
              name: 'demo',
              port: 6222,
              peers: [
                { host: '127.0.0.1', port: 6223 },
                { host: '127.0.0.1', port: 6224 },
              ],
            },
          }),
        );
        const check = spawnSync(binaries().natsServer, ['-c', file, '-t'], { encoding: 'utf8' });
        expect(`${check.stdout}${check.stderr}`, syncInterval).toContain('is valid');
        expect(check.status, syncInterval).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
