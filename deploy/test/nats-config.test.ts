import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { binaries, ensureInstalled, passwordVariables } from '@demo/infra';
import { beforeAll, describe, expect, it } from 'vitest';
import { kustomizeBuild } from '../src/kustomize.js';
import { arr, type Obj, obj, parseYamlStream, read, root } from './helpers.js';

/** Every identity's password, as the files' included auth.conf needs them. */
const passwords = Object.fromEntries(passwordVariables().map((v) => [v, 'secret']));

/** `nats-server -t`: parses a configuration file as the server would, with `env` set. */
function check(file: string, env: Record<string, string>) {
  // The HA nats.conf includes auth.conf from its ConfigMap, where deploy/nats/auth.conf lands.
  const path = file === 'k8s/overlays/ha/nats.conf' ? withAuthConf(file) : join(root, file);
  const result = spawnSync(binaries().natsServer, ['-c', path, '-t'], {
    encoding: 'utf8',
    env: { ...process.env, ...passwords, ...env },
  });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** A copy of `file` in a folder of its own with deploy/nats/auth.conf beside it, as the ConfigMap mounts them. */
function withAuthConf(file: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'demo-nats-conf-'));
  copyFileSync(join(root, file), join(dir, 'nats.conf'));
  copyFileSync(join(root, 'deploy', 'nats', 'auth.conf'), join(dir, 'auth.conf'));
  return join(dir, 'nats.conf');
}

describe('NATS configuration files (sync_interval)', () => {
  beforeAll(async () => {
    await ensureInstalled(['nats-server']);
  }, 600_000);

  it('accepts always or a duration in seconds in the files compose and Kubernetes run', () => {
    for (const file of ['deploy/nats/nats.conf', 'k8s/overlays/ha/nats.conf']) {
      for (const interval of ['always', '120s']) {
        const { ok, output } = check(file, { NATS_SYNC_INTERVAL: interval, POD_NAME: 'nats-0' });
        expect(ok, `${file} with ${interval}: ${output}`).toBe(true);
      }
      // The trap the README warns of: from the environment, `2m` is read as a number.
      expect(check(file, { NATS_SYNC_INTERVAL: '2m', POD_NAME: 'nats-0' }).ok, file).toBe(false);
    }
  });

  it('runs docker compose NATS from deploy/nats/nats.conf, 120s unless NATS_SYNC_INTERVAL says otherwise', () => {
    const compose = read('docker-compose.yml');
    expect(compose).toContain('./deploy/nats/nats.conf:/etc/nats/nats.conf:ro');
    // Compose interpolation, not a template string: `$` + `{NAME:-default}`.
    expect(compose).toContain(`NATS_SYNC_INTERVAL: $\{NATS_SYNC_INTERVAL:-120s}`);
  });

  it('switches the base Kubernetes NATS to sync_interval always with the nats-sync-always component', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-k8s-sync-'));
    try {
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          // kustomize wants relative paths.
          `resources: ["${relative(dir, join(root, 'k8s'))}"]`,
          `components: ["${relative(dir, join(root, 'k8s', 'components', 'nats-sync-always'))}"]`,
          '',
        ].join('\n'),
      );
      const docs = parseYamlStream(await kustomizeBuild(dir));
      const sts = docs.find((d) => d.kind === 'StatefulSet' && obj(d.metadata).name === 'nats') as Obj;
      const pod = obj(obj(obj(sts.spec).template).spec);
      const nats = obj(arr(pod.containers)[0]);
      expect(arr(nats.args)).toEqual(['nats-server', '--config=/etc/nats/nats.conf']);
      expect(arr(nats.env).map(obj)).toContainEqual({ name: 'NATS_SYNC_INTERVAL', value: 'always' });
      const volume = arr(pod.volumes)
        .map(obj)
        .find((v) => v.name === 'config');
      const cm = docs.find(
        (d) => d.kind === 'ConfigMap' && obj(d.metadata).name === obj(volume?.configMap).name,
      );
      expect(obj(cm?.data)['nats.conf']).toBe(read('deploy/nats/nats.conf'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
