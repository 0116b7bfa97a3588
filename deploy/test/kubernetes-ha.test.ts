import { join } from 'node:path';
import { streams, topology } from '@demo/contracts';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { kustomizeBuild } from '../src/kustomize.js';
import { cnpgClusterSchema, cnpgDatabaseSchema, scaledObjectSchema } from './crd-schemas.js';
import { arr, type Obj, obj, parseYamlStream, readYaml, root, str } from './helpers.js';
import {
  containersOf,
  databaseCredentialProblems,
  kindOf,
  label,
  modelFor,
  nameOf,
  nsOf,
  podSpecOf,
  secretValue,
  typeErrors,
} from './manifests.js';

const SERVICES = ['user-service', 'order-service', 'inventory-service'] as const;
/** Kinds an operator defines (checked against crd-schemas.ts), not the Kubernetes API. */
const OPERATOR_KINDS: Record<string, object> = {
  'keda.sh/v1alpha1/ScaledObject': scaledObjectSchema,
  'postgresql.cnpg.io/v1/Cluster': cnpgClusterSchema,
  'postgresql.cnpg.io/v1/Database': cnpgDatabaseSchema,
};

let docs: Obj[] = [];
const ofKind = (...kinds: string[]) => docs.filter((d) => kinds.includes(kindOf(d)));
const find = (kind: string, name: string, ns = 'demo') =>
  docs.find((d) => kindOf(d) === kind && nsOf(d) === ns && nameOf(d) === name);
const must = (kind: string, name: string, ns = 'demo'): Obj => {
  const doc = find(kind, name, ns);
  if (!doc) throw new Error(`${kind} ${ns}/${name} is not rendered`);
  return doc;
};
const container = (doc: Obj, name?: string) =>
  obj(arr(podSpecOf(doc).containers).find((c) => name === undefined || obj(c).name === name));
/** The ConfigMap a kustomize generator made (its name carries a hash suffix). */
const generated = (name: string) =>
  docs.find((d) => kindOf(d) === 'ConfigMap' && nsOf(d) === 'demo' && nameOf(d).startsWith(`${name}-`));

/** A container's environment with service-env and $(VAR) expanded where the value is known. */
function env(doc: Obj, name: string): Record<string, string> {
  const c = container(doc, name);
  const out: Record<string, string> = {};
  for (const from of arr(c.envFrom).map(obj)) {
    const ref = obj(from.configMapRef);
    const cm = docs.find((d) => kindOf(d) === 'ConfigMap' && nameOf(d) === str(ref.name));
    Object.assign(out, obj(cm?.data));
  }
  for (const e of arr(c.env).map(obj)) {
    out[String(e.name)] =
      typeof e.value === 'string'
        ? e.value.replace(/\$\(([A-Z0-9_]+)\)/g, (_, v: string) => out[v] ?? 'x')
        : 'x';
  }
  return out;
}

/** Host names of a StatefulSet's pods through its headless Service: `<sts>-<i>.<svc>`. */
function podHosts(sts: Obj): string[] {
  const spec = obj(sts.spec);
  return Array.from(
    { length: Number(spec.replicas) },
    (_, i) => `${nameOf(sts)}-${i}.${String(spec.serviceName)}`,
  );
}

describe('k8s/overlays/ha (kustomize build)', () => {
  beforeAll(async () => {
    docs = parseYamlStream(await kustomizeBuild(join(root, 'k8s', 'overlays', 'ha')));
  });

  it('validates every manifest: API kinds by kubernetes-models, operator kinds by their CRD schemas', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const doc of docs) {
      const operator = OPERATOR_KINDS[`${String(doc.apiVersion)}/${kindOf(doc)}`];
      if (operator) {
        const validate = ajv.compile(operator);
        expect(validate(doc), `${label(doc)}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        continue;
      }
      const Model = modelFor(doc);
      expect(Model, `no model for ${String(doc.apiVersion)} ${kindOf(doc)}`).toBeDefined();
      if (Model) expect(() => new Model(doc).validate(), label(doc)).not.toThrow();
    }
    expect(ofKind('ScaledObject', 'Cluster', 'Database').length).toBeGreaterThanOrEqual(5);
  });

  it('uses no field the Kubernetes API does not know (typed against kubernetes-models)', () => {
    const builtIn = docs.filter((d) => !OPERATOR_KINDS[`${String(d.apiVersion)}/${kindOf(d)}`]);
    expect(typeErrors(builtIn)).toEqual([]);
  });

  it('runs NATS as 3 routed JetStream nodes with sync_interval always, and the services on all of them with R3 streams', () => {
    const sts = must('StatefulSet', 'nats');
    expect(obj(sts.spec).replicas).toBe(3);
    expect(obj(sts.spec).podManagementPolicy).toBe('Parallel');
    const nats = container(sts, 'nats');
    const ports = new Map(arr(nats.ports).map((p) => [obj(p).name, obj(p).containerPort]));
    expect(ports.get('cluster')).toBe(6222);
    expect(
      arr(must('Service', 'nats').spec && obj(must('Service', 'nats').spec).ports).map((p) => obj(p).port),
    ).toContain(6222);

    const conf = String(obj(generated('nats-config')?.data)['nats.conf']);
    const mounted = arr(podSpecOf(sts).volumes)
      .map(obj)
      .find((v) => obj(v.configMap).name === nameOf(generated('nats-config') ?? {}));
    expect(mounted, 'nats.conf is mounted').toBeDefined();
    expect(arr(nats.args)).toContain('--config=/etc/nats/nats.conf');
    const routes = [...conf.matchAll(/nats-route:\/\/([a-z0-9.-]+):(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(routes).toEqual(podHosts(sts).map((h) => `${h}.demo.svc.cluster.local:6222`));
    expect(conf).toMatch(/server_name: \$POD_NAME/);
    expect(conf).toMatch(/sync_interval: \$NATS_SYNC_INTERVAL/);
    const natsEnv = new Map(arr(nats.env).map((e) => [obj(e).name, obj(e)]));
    expect(obj(obj(natsEnv.get('POD_NAME')?.valueFrom).fieldRef).fieldPath).toBe('metadata.name');
    expect(natsEnv.get('NATS_SYNC_INTERVAL')?.value).toBe('always');
    expect(find('PodDisruptionBudget', 'nats'), 'a PDB for NATS').toBeDefined();

    for (const service of SERVICES) {
      const e = env(must('Deployment', service), service);
      const hosts = e.NATS_URL?.split(',').map((u) => new URL(u).host) ?? [];
      expect(hosts, service).toEqual(podHosts(sts).map((h) => `${h}:4222`));
      expect(e.NATS_STREAM_REPLICAS, service).toBe('3');
    }
  });

  it('runs MongoDB as a 3-member replica set that the services address as such', () => {
    const sts = must('StatefulSet', 'mongodb');
    expect(obj(sts.spec).replicas).toBe(3);
    const args = arr(container(sts, 'mongodb').args).map(String);
    expect(args).toContain('--replSet=rs0');
    const keyFile = args.find((a) => a.startsWith('--keyFile='))?.split('=')[1] ?? '';
    const mounts = arr(container(sts, 'mongodb').volumeMounts).map((m) => String(obj(m).mountPath));
    expect(
      mounts.some((m) => keyFile.startsWith(`${m}/`)),
      `key file ${keyFile} is mounted`,
    ).toBe(true);
    expect(find('PodDisruptionBudget', 'mongodb')).toBeDefined();

    const job = must('Job', 'mongodb-replica-set');
    const script = arr(container(job).command).map(String).join(' ');
    for (const host of podHosts(sts)) expect(script).toContain(`${host}.demo.svc.cluster.local:27017`);
    expect(script).toContain("_id: 'rs0'");

    for (const service of ['order-service', 'inventory-service'] as const) {
      // mongodb://h1,h2,h3/?options: several hosts, which WHATWG URL does not parse; no credentials
      // (the service's own user comes from its Secret, MONGODB_USER/MONGODB_PASSWORD).
      const e = env(must('Deployment', service), service);
      const match = /^mongodb:\/\/([^/@]+)\/\?(.*)$/.exec(e.MONGODB_URL ?? '');
      expect(match, service).not.toBeNull();
      expect(new URLSearchParams(match?.[2]).get('replicaSet'), service).toBe('rs0');
      expect(new URLSearchParams(match?.[2]).get('authSource'), service).toBe(e.MONGODB_DATABASE);
      expect(match?.[1]?.split(','), service).toEqual(podHosts(sts).map((h) => `${h}:27017`));
    }
  });

  it('runs PostgreSQL as a CloudNativePG Cluster with a synchronous standby; the services use its read-write Service', () => {
    expect(find('StatefulSet', 'postgres'), 'the base StatefulSet is replaced').toBeUndefined();
    const cluster = must('Cluster', 'postgres');
    const spec = obj(cluster.spec);
    expect(Number(spec.instances)).toBeGreaterThanOrEqual(3);
    expect(obj(obj(spec.postgresql).synchronous).number).toBe(1);
    const initdb = obj(obj(spec.bootstrap).initdb);
    const secret = must('Secret', String(obj(initdb.secret).name));
    expect(secret.type).toBe('kubernetes.io/basic-auth');
    const databases = [String(initdb.database), ...ofKind('Database').map((d) => String(obj(d.spec).name))];
    for (const db of ofKind('Database')) expect(obj(obj(db.spec).cluster).name).toBe(nameOf(cluster));

    for (const [service, database] of [
      ['user-service', 'users'],
      ['inventory-service', 'inventory'],
    ] as const) {
      const url = new URL(env(must('Deployment', service), service).DATABASE_URL ?? '');
      expect(url.hostname, service).toBe(`${nameOf(cluster)}-rw`);
      expect(databases, service).toContain(url.pathname.slice(1));
      expect(url.pathname, service).toBe(`/${database}`);
    }
  });

  it('gives each service its own PostgreSQL role, managed by the Cluster from the Secret the service reads', () => {
    const spec = obj(must('Cluster', 'postgres').spec);
    expect(spec.enableSuperuserAccess ?? false, 'no superuser Secret to hand out').toBe(false);
    expect(
      databaseCredentialProblems(docs, {
        'order-service-mongodb': ['StatefulSet/mongodb'],
        'inventory-service-mongodb': ['StatefulSet/mongodb'],
      }),
    ).toEqual([]);
    const roles = arr(obj(spec.managed).roles).map(obj);
    const initdb = obj(obj(spec.bootstrap).initdb);
    const databases = new Map([
      [String(initdb.database), String(initdb.owner)],
      ...ofKind('Database').map(
        (d) => [String(obj(d.spec).name), String(obj(d.spec).owner)] as [string, string],
      ),
    ]);
    const hba = arr(obj(spec.postgresql).pg_hba).map(String);
    for (const [service, database] of [
      ['user-service', 'users'],
      ['inventory-service', 'inventory'],
    ] as const) {
      const secret = must('Secret', `${service}-postgres`);
      const user = secretValue(secret, 'username') ?? '';
      const role = roles.find((r) => r.name === user);
      expect(role, `${service}: a managed role ${user}`).toBeDefined();
      expect(obj(role?.passwordSecret).name, service).toBe(`${service}-postgres`);
      expect(
        ['superuser', 'createdb', 'createrole', 'replication', 'bypassrls'].map((k) => role?.[k]),
        `${service}: ${user} has no privilege beyond its database`,
      ).toEqual([false, false, false, false, false]);
      expect(role?.login, service).toBe(true);
      expect(databases.get(database), `${database} is owned by ${user}`).toBe(user);
      // Its own database, then nothing else (pg_hba is read top to bottom).
      const allow = hba.indexOf(`host ${database} ${user} all scram-sha-256`);
      const reject = hba.indexOf(`host all ${user} all reject`);
      expect(allow, `${service}: pg_hba lets ${user} into ${database}`).toBeGreaterThanOrEqual(0);
      expect(reject, `${service}: pg_hba keeps ${user} out of the others`).toBeGreaterThan(allow);
    }
    expect(initdb.secret).toEqual({ name: 'user-service-postgres' });
    expect(find('Secret', 'postgres-app'), 'no shared application Secret').toBeUndefined();
  });

  it('keeps at least 2 pods of every service behind a PDB, scaled by KEDA on the lag of each of its consumers', () => {
    expect(ofKind('HorizontalPodAutoscaler'), 'KEDA makes the HPAs').toEqual([]);
    const streamOf = (subject: string) =>
      streams.find((s) => s.subjects.some((p) => p.endsWith('.>') && subject.startsWith(p.slice(0, -1))))
        ?.name;
    for (const service of SERVICES) {
      const deployment = must('Deployment', service);
      expect(Number(obj(deployment.spec).replicas), service).toBeGreaterThanOrEqual(2);
      const pdb = must('PodDisruptionBudget', service);
      const selector = obj(obj(obj(pdb.spec).selector).matchLabels);
      const podLabels = obj(obj(obj(obj(deployment.spec).template).metadata).labels);
      expect(
        Object.entries(selector).every(([k, v]) => podLabels[k] === v),
        `PDB ${service}`,
      ).toBe(true);

      const consumed = topology.flatMap((route) =>
        route.consumers
          .filter((c) => c.service === service)
          .map(() => ({
            stream: streamOf(route.event.subject),
            consumer: `${service}--${route.event.subject.replaceAll('.', '-')}`,
          })),
      );
      const scaled = ofKind('ScaledObject').filter((s) => obj(obj(s.spec).scaleTargetRef).name === service);
      expect(scaled, `one ScaledObject for ${service}`).toHaveLength(1);
      const spec = obj(scaled[0]?.spec);
      expect(Number(spec.minReplicaCount), service).toBeGreaterThanOrEqual(2);
      const lagTriggers = arr(spec.triggers)
        .map(obj)
        .filter((t) => t.type === 'nats-jetstream')
        .map((t) => obj(t.metadata));
      expect(
        lagTriggers.map((m) => ({ stream: m.stream, consumer: m.consumer })),
        `${service}: a lag trigger per durable consumer`,
      ).toEqual(expect.arrayContaining(consumed));
      expect(lagTriggers).toHaveLength(consumed.length);
      for (const m of lagTriggers) {
        const [host, port] = String(m.natsServerMonitoringEndpoint).split(':');
        expect(host).toBe('nats.demo.svc.cluster.local');
        expect(arr(obj(must('Service', 'nats').spec).ports).map((p) => obj(p).port)).toContain(Number(port));
      }
    }
  });

  it('keeps the restricted security context, requests and limits, and pinned images on every container it adds or changes', () => {
    const compose = obj(readYaml('docker-compose.yml').services);
    const composeImages = new Set(Object.values(compose).map((s) => str(obj(s).image)));
    for (const doc of ofKind('Deployment', 'StatefulSet', 'Job')) {
      const pod = podSpecOf(doc);
      expect(obj(pod.securityContext).runAsNonRoot, label(doc)).toBe(true);
      expect(pod.automountServiceAccountToken, label(doc)).toBe(false);
      for (const c of containersOf(pod)) {
        const where = `${label(doc)}/${String(c.name)}`;
        const sc = obj(c.securityContext);
        expect(sc.readOnlyRootFilesystem, where).toBe(true);
        expect(sc.allowPrivilegeEscalation, where).toBe(false);
        expect(arr(obj(sc.capabilities).drop), where).toEqual(['ALL']);
        for (const kind of ['requests', 'limits'])
          for (const res of ['cpu', 'memory'])
            expect(obj(obj(c.resources)[kind])[res], `${where} ${kind}.${res}`).toBeDefined();
        const image = String(c.image);
        expect(image, where).toMatch(/:[v\d][\w.-]*$/);
        if (!image.startsWith('demo-platform/')) expect(composeImages, `${where}: ${image}`).toContain(image);
      }
    }
  });
});
