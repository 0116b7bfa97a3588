import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BUS_ROLES, binaries, ensureInstalled, PROVISIONER, passwordVariable } from '@demo/infra';
import { beforeAll, describe, expect, it } from 'vitest';
import { kustomizeBuild } from '../src/kustomize.js';
import { arr, exists, type Obj, obj, parseYamlStream, read, readYaml, root, str } from './helpers.js';
import { kindOf, nameOf, nsOf, podSpecOf } from './manifests.js';

/**
 * NATS authorization wherever the platform is deployed: the server runs deploy/nats/nats.conf with
 * the committed deploy/nats/auth.conf, a provisioning step creates the streams as the
 * `provisioner`, and each service connects as its own user with its own password.
 */

const SERVICES = BUS_ROLES.map((r) => r.service);
const IDENTITIES = [PROVISIONER, ...SERVICES];
const PROVISION_COMMAND = ['node', '/app/packages/service/dist/provision.js'];

/** Every password variable set, as a server would get them. */
const passwords = Object.fromEntries(IDENTITIES.map((id) => [passwordVariable(id), `pw-${id}`]));

function check(file: string, env: Record<string, string>) {
  const result = spawnSync(binaries().natsServer, ['-c', join(root, file), '-t'], {
    encoding: 'utf8',
    env: { ...process.env, NATS_SYNC_INTERVAL: '120s', POD_NAME: 'nats-0', ...env },
  });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

describe('the NATS server configuration files', () => {
  beforeAll(async () => {
    await ensureInstalled(['nats-server']);
  }, 600_000);

  it('include auth.conf and need every identity’s password (compose, base and HA Kubernetes)', () => {
    for (const file of ['deploy/nats/nats.conf', 'k8s/overlays/ha/nats.conf']) {
      expect(read(file), file).toMatch(/^include "auth\.conf"$/m);
    }
    // Beside nats.conf, as compose and the ConfigMap mount it.
    expect(exists('deploy/nats/auth.conf')).toBe(true);
    const { ok, output } = check('deploy/nats/nats.conf', passwords);
    expect(ok, output).toBe(true);
    const { [passwordVariable('order-service')]: _, ...missing } = passwords;
    const without = check('deploy/nats/nats.conf', missing);
    expect(without.ok).toBe(false);
    expect(without.output).toContain(passwordVariable('order-service'));
  });
});

describe('the provisioning step in the images', () => {
  it('is a file every service image holds: @demo/service compiles src/provision.ts to dist/provision.js', () => {
    expect(exists('packages/service/src/provision.ts')).toBe(true);
    const build = JSON.parse(read('packages/service/tsconfig.build.json')) as Obj;
    expect(obj(build.compilerOptions)).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(arr(build.include)).toContain('src');
    for (const name of SERVICES) {
      const pkg = JSON.parse(read(`services/${name}/package.json`)) as Obj;
      expect(Object.keys(obj(pkg.dependencies)), name).toContain('@demo/service');
    }
  });
});

describe('docker compose with NATS authorization', () => {
  const compose = readYaml('docker-compose.yml');
  const services = obj(compose.services);
  const service = (name: string) => obj(services[name]);
  const environment = (name: string) => obj(service(name).environment) as Record<string, string>;
  const dependsOn = (name: string) => obj(service(name).depends_on) as Record<string, Obj>;

  it('mounts auth.conf beside nats.conf and gives the server every identity’s password', () => {
    const volumes = arr(service('nats').volumes).map(String);
    expect(volumes).toContain('./deploy/nats/nats.conf:/etc/nats/nats.conf:ro');
    expect(volumes).toContain('./deploy/nats/auth.conf:/etc/nats/auth.conf:ro');
    const env = environment('nats');
    for (const id of IDENTITIES) {
      expect(env[passwordVariable(id)], id).toBe(`\${${passwordVariable(id)}:-dev-${id}}`);
    }
  });

  it('runs a one-shot nats-provision as the provisioner before the services', () => {
    const provision = service('nats-provision');
    expect(arr(provision.command)).toEqual(PROVISION_COMMAND);
    expect(provision.restart).toBe('no');
    expect(environment('nats-provision')).toMatchObject({
      NATS_URL: 'nats://nats:4222',
      NATS_USER: PROVISIONER,
      NATS_PASSWORD: `\${${passwordVariable(PROVISIONER)}:-dev-${PROVISIONER}}`,
    });
    expect(dependsOn('nats-provision')).toEqual({ nats: { condition: 'service_healthy' } });
    for (const name of SERVICES) {
      expect(dependsOn(name)['nats-provision'], name).toEqual({
        condition: 'service_completed_successfully',
      });
    }
  });

  it('connects each service as its own user with its own password, the one the server has', () => {
    const server = environment('nats');
    for (const name of SERVICES) {
      const env = environment(name);
      expect(env.NATS_USER, name).toBe(name);
      expect(env.NATS_PASSWORD, name).toBe(server[passwordVariable(name)]);
    }
  });
});

for (const [overlay, dir] of [
  ['base', 'k8s'],
  ['HA overlay', 'k8s/overlays/ha'],
] as const) {
  describe(`Kubernetes (${overlay}) with NATS authorization`, () => {
    let docs: Obj[] = [];
    const find = (kind: string, name: string) =>
      docs.find((d) => kindOf(d) === kind && nsOf(d) === 'demo' && nameOf(d) === name);
    const must = (kind: string, name: string): Obj => {
      const doc = find(kind, name);
      if (!doc) throw new Error(`${kind} demo/${name} is not rendered`);
      return doc;
    };
    /** A generated object's name carries a hash suffix. */
    const generated = (kind: string, name: string) =>
      docs.find((d) => kindOf(d) === kind && nsOf(d) === 'demo' && nameOf(d).startsWith(`${name}-`));
    const containerOf = (doc: Obj) => obj(arr(podSpecOf(doc).containers)[0]);
    /** The Secret each `secretKeyRef` of a container names, by variable. */
    const secretRefs = (doc: Obj) =>
      new Map(
        arr(containerOf(doc).env)
          .map(obj)
          .filter((e) => obj(obj(e.valueFrom).secretKeyRef).name !== undefined)
          .map((e) => [String(e.name), obj(obj(e.valueFrom).secretKeyRef)]),
      );
    const secretOf = (identity: string) => {
      const secret = generated('Secret', `nats-${identity}`);
      if (!secret) throw new Error(`no Secret nats-${identity}`);
      return secret;
    };
    const decoded = (secret: Obj, key: string) =>
      Buffer.from(String(obj(secret.data)[key] ?? ''), 'base64').toString('utf8');

    beforeAll(async () => {
      docs = parseYamlStream(await kustomizeBuild(join(root, dir)));
    }, 120_000);

    it('runs nats.conf with the committed auth.conf from one ConfigMap', () => {
      const sts = must('StatefulSet', 'nats');
      const nats = containerOf(sts);
      expect(arr(nats.args)).toContain('--config=/etc/nats/nats.conf');
      const cm = generated('ConfigMap', 'nats-config');
      expect(obj(cm?.data)['auth.conf']).toBe(read('deploy/nats/auth.conf'));
      expect(String(obj(cm?.data)['nats.conf'])).toMatch(/^include "auth\.conf"$/m);
      const volume = arr(podSpecOf(sts).volumes)
        .map(obj)
        .find((v) => obj(v.configMap).name === nameOf(cm ?? {}));
      expect(volume, 'the ConfigMap is mounted').toBeDefined();
      const mount = arr(nats.volumeMounts)
        .map(obj)
        .find((m) => m.name === volume?.name);
      expect(mount?.mountPath).toBe('/etc/nats');
    });

    it('has a Secret per identity, and the server reads each password from its Secret', () => {
      const refs = secretRefs(must('StatefulSet', 'nats'));
      for (const id of IDENTITIES) {
        const secret = secretOf(id);
        expect(decoded(secret, 'user'), id).toBe(id);
        expect(decoded(secret, 'password').length, id).toBeGreaterThan(0);
        expect(refs.get(passwordVariable(id)), id).toEqual({ name: nameOf(secret), key: 'password' });
      }
    });

    it('gives each service its own NATS Secret, referenced by no other workload but the server', () => {
      const workloads = docs.filter((d) => ['Deployment', 'StatefulSet', 'Job'].includes(kindOf(d)));
      for (const name of SERVICES) {
        const refs = secretRefs(must('Deployment', name));
        const own = nameOf(secretOf(name));
        expect(refs.get('NATS_USER'), name).toEqual({ name: own, key: 'user' });
        expect(refs.get('NATS_PASSWORD'), name).toEqual({ name: own, key: 'password' });
        const readers = workloads
          .filter((w) => [...secretRefs(w).values()].some((r) => r.name === own))
          .map((w) => `${kindOf(w)}/${nameOf(w)}`);
        expect(readers.sort(), name).toEqual([`Deployment/${name}`, 'StatefulSet/nats']);
      }
      const provisioner = nameOf(secretOf(PROVISIONER));
      const readers = workloads
        .filter((w) => [...secretRefs(w).values()].some((r) => r.name === provisioner))
        .map((w) => `${kindOf(w)}/${nameOf(w)}`);
      expect(readers.sort()).toEqual(['Job/nats-provision', 'StatefulSet/nats']);
    });

    it('provisions the streams with a Job as the provisioner, with the services’ NATS settings', () => {
      const job = must('Job', 'nats-provision');
      const c = containerOf(job);
      expect(arr(c.command)).toEqual(PROVISION_COMMAND);
      expect(str(c.image)).toBe(str(containerOf(must('Deployment', 'user-service')).image));
      const refs = secretRefs(job);
      expect(refs.get('NATS_USER')).toEqual({ name: nameOf(secretOf(PROVISIONER)), key: 'user' });
      expect(refs.get('NATS_PASSWORD')).toEqual({ name: nameOf(secretOf(PROVISIONER)), key: 'password' });
      const envFrom = arr(c.envFrom).map((e) => str(obj(obj(e).configMapRef).name));
      const serviceEnv = generated('ConfigMap', 'service-env');
      expect(envFrom).toContain(nameOf(serviceEnv ?? {}));
      const data = obj(serviceEnv?.data);
      expect(str(data.NATS_URL)).toMatch(/^nats:\/\/nats/);
      if (overlay === 'HA overlay') expect(data.NATS_STREAM_REPLICAS).toBe('3');
      expect(obj(podSpecOf(job)).restartPolicy).toBe('OnFailure');
    });
  });
}
