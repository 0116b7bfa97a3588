import { basename, dirname, join, relative } from 'node:path';
import * as k8s from 'kubernetes-models';
import { beforeAll, describe, expect, it } from 'vitest';
import { kustomizeBuild } from '../src/kustomize.js';
import {
  arr,
  collectorDefaultEndpoints,
  isObj,
  listFiles,
  type Obj,
  obj,
  otelConfigUrls,
  parseYamlStream,
  read,
  readYaml,
  root,
  str,
  urlPort,
  urlsIn,
} from './helpers.js';
import { databaseCredentialProblems, secretValue, typeErrors } from './manifests.js';

const NAMESPACES = ['demo', 'observability'];
const SERVICES = { 'user-service': 8000, 'order-service': 8001, 'inventory-service': 8002 } as const;

let docs: Obj[] = [];

const kindOf = (doc: Obj) => str(doc.kind) ?? '';
const nameOf = (doc: Obj) => str(obj(doc.metadata).name) ?? '';
const nsOf = (doc: Obj) => str(obj(doc.metadata).namespace) ?? '';
const ofKind = (...kinds: string[]) => docs.filter((d) => kinds.includes(kindOf(d)));
const find = (kind: string, ns: string, name: string) =>
  docs.find((d) => kindOf(d) === kind && nsOf(d) === ns && nameOf(d) === name);

/** Workloads with their pod template. */
function workloads(): Array<{ doc: Obj; pod: Obj; labels: Obj }> {
  return ofKind('Deployment', 'StatefulSet', 'DaemonSet').map((doc) => {
    const template = obj(obj(doc.spec).template);
    return { doc, pod: obj(template.spec), labels: obj(obj(template.metadata).labels) };
  });
}

const containersOf = (pod: Obj): Obj[] => [...arr(pod.initContainers), ...arr(pod.containers)].map(obj);
const allContainers = () =>
  workloads().flatMap(({ doc, pod }) =>
    containersOf(pod).map((c) => ({ doc, pod, c, where: `${nsOf(doc)}/${nameOf(doc)}/${str(c.name)}` })),
  );

/** The kubernetes-models class for a document's apiVersion and kind (`apps/v1` -> apps.v1). */
function modelFor(doc: Obj): (new (data: Obj) => { validate(): void }) | undefined {
  const apiVersion = String(doc.apiVersion);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const exportName = (group ?? '')
    .replace(/\.k8s\.io$/, 'K8sIo')
    .replace(/\.([a-z])/g, (_, c: string) => c.toUpperCase());
  const modules = k8s as unknown as Record<string, Record<string, Record<string, unknown>>>;
  const versions = exportName ? modules[exportName] : modules;
  const model = versions?.[version ?? '']?.[kindOf(doc)];
  return typeof model === 'function' ? (model as new (data: Obj) => { validate(): void }) : undefined;
}

describe('k8s/ (kustomize build)', () => {
  beforeAll(async () => {
    docs = parseYamlStream(await kustomizeBuild());
  });

  it('renders the namespaces, the servers, the services and the observability stack', () => {
    const summary = docs.map((d) => `${kindOf(d)} ${nsOf(d) || '-'}/${nameOf(d)}`);
    for (const ns of NAMESPACES) expect(summary).toContain(`Namespace -/${ns}`);
    for (const name of ['nats', 'postgres', 'mongodb']) expect(summary).toContain(`StatefulSet demo/${name}`);
    for (const name of Object.keys(SERVICES)) {
      for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']) {
        expect(summary).toContain(`${kind} demo/${name}`);
      }
    }
    for (const name of ['otel-collector', 'prometheus', 'loki', 'tempo', 'grafana']) {
      expect(summary).toContain(`Deployment observability/${name}`);
      expect(summary).toContain(`Service observability/${name}`);
    }
  });

  it('validates every manifest against the Kubernetes schemas (kubernetes-models)', () => {
    for (const doc of docs) {
      const Model = modelFor(doc);
      expect(Model, `no model for ${doc.apiVersion} ${kindOf(doc)}`).toBeDefined();
      if (!Model) continue;
      expect(() => new Model(doc).validate(), `${kindOf(doc)} ${nsOf(doc)}/${nameOf(doc)}`).not.toThrow();
    }
  });

  it('uses no field the Kubernetes API does not know (typed against kubernetes-models)', () => {
    // The runtime schemas tolerate unknown fields; the API server in strict mode does not. The
    // TypeScript types of the same package are exact: an excess property is a type error. The
    // file is virtual (never written), placed in deploy/ so that module resolution finds the package.
    const diagnostics = typeErrors(docs);
    expect(diagnostics).toEqual([]);
  });

  it('puts every namespaced resource into a namespace it creates', () => {
    for (const doc of docs.filter((d) => kindOf(d) !== 'Namespace')) {
      expect(NAMESPACES, `${kindOf(doc)} ${nameOf(doc)}`).toContain(nsOf(doc));
    }
    for (const ns of ofKind('Namespace')) {
      expect(obj(obj(ns.metadata).labels)['pod-security.kubernetes.io/enforce']).toBe('restricted');
    }
  });

  it('selects, with every Service, the pods of some workload, on ports their containers declare', () => {
    for (const svc of ofKind('Service')) {
      const selector = obj(obj(svc.spec).selector);
      expect(Object.keys(selector).length, `Service ${nameOf(svc)} has no selector`).toBeGreaterThan(0);
      const matches = workloads().filter(
        ({ doc, labels }) =>
          nsOf(doc) === nsOf(svc) && Object.entries(selector).every(([k, v]) => labels[k] === v),
      );
      expect(matches.length, `Service ${nsOf(svc)}/${nameOf(svc)} selects no pod template`).toBeGreaterThan(
        0,
      );
      const declared = matches.flatMap(({ pod }) =>
        containersOf(pod).flatMap((c) => arr(c.ports).flatMap((p) => [obj(p).name, obj(p).containerPort])),
      );
      for (const port of arr(obj(svc.spec).ports).map(obj)) {
        expect(declared, `Service ${nameOf(svc)} port ${String(port.name)}`).toContain(
          port.targetPort ?? port.port,
        );
      }
    }
  });

  it('points every StatefulSet at its headless Service and every PDB and HPA at a workload', () => {
    for (const sts of ofKind('StatefulSet')) {
      const svc = find('Service', nsOf(sts), String(obj(sts.spec).serviceName));
      expect(svc, `StatefulSet ${nameOf(sts)}`).toBeDefined();
      expect(obj(svc?.spec).clusterIP).toBe('None');
      expect(arr(obj(sts.spec).volumeClaimTemplates).length, nameOf(sts)).toBeGreaterThan(0);
    }
    for (const pdb of ofKind('PodDisruptionBudget')) {
      const selector = obj(obj(obj(pdb.spec).selector).matchLabels);
      const selected = workloads().filter(
        ({ doc, labels }) =>
          nsOf(doc) === nsOf(pdb) && Object.entries(selector).every(([k, v]) => labels[k] === v),
      );
      expect(selected.length, `PDB ${nameOf(pdb)}`).toBeGreaterThan(0);
    }
    for (const hpa of ofKind('HorizontalPodAutoscaler')) {
      const ref = obj(obj(hpa.spec).scaleTargetRef);
      expect(find(String(ref.kind), nsOf(hpa), String(ref.name)), `HPA ${nameOf(hpa)}`).toBeDefined();
      expect(Number(obj(hpa.spec).minReplicas)).toBeGreaterThanOrEqual(2);
    }
  });

  it('probes only ports the container declares', () => {
    let probes = 0;
    for (const { c, where } of allContainers()) {
      const declared = arr(c.ports).flatMap((p) => [obj(p).name, obj(p).containerPort]);
      for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        const probe = obj(c[kind]);
        const port = obj(probe.httpGet).port ?? obj(probe.tcpSocket).port ?? obj(probe.grpc).port;
        if (port !== undefined) {
          expect(declared, `${where} ${kind}`).toContain(port);
          probes++;
        }
      }
      expect(isObj(c.readinessProbe) && isObj(c.livenessProbe), `${where} needs readiness and liveness`).toBe(
        true,
      );
    }
    expect(probes).toBeGreaterThan(10);
  });

  it('probes the services on /ready (readiness) and /health (liveness)', () => {
    for (const [name, port] of Object.entries(SERVICES)) {
      const deployment = find('Deployment', 'demo', name);
      const c = obj(arr(obj(obj(obj(deployment?.spec).template).spec).containers)[0]);
      expect(obj(obj(c.readinessProbe).httpGet).path).toBe('/ready');
      expect(obj(obj(c.livenessProbe).httpGet).path).toBe('/health');
      expect(arr(c.ports).map((p) => obj(p).containerPort)).toContain(port);
    }
  });

  it('references only ConfigMaps and Secrets (and keys) that exist in the same namespace', () => {
    let refs = 0;
    const check = (kind: 'ConfigMap' | 'Secret', ns: string, name: unknown, key: unknown, where: string) => {
      const target = find(kind, ns, String(name));
      expect(target, `${where}: ${kind} ${ns}/${String(name)} does not exist`).toBeDefined();
      if (key !== undefined) {
        const keys = [...Object.keys(obj(target?.data)), ...Object.keys(obj(target?.stringData))];
        expect(keys, `${where}: ${kind} ${String(name)} has no key ${String(key)}`).toContain(key);
      }
      refs++;
    };
    for (const { doc, pod, c, where } of allContainers()) {
      const ns = nsOf(doc);
      for (const e of arr(c.env).map(obj)) {
        const from = obj(e.valueFrom);
        if (isObj(from.configMapKeyRef)) {
          check('ConfigMap', ns, from.configMapKeyRef.name, from.configMapKeyRef.key, where);
        }
        if (isObj(from.secretKeyRef))
          check('Secret', ns, from.secretKeyRef.name, from.secretKeyRef.key, where);
      }
      for (const e of arr(c.envFrom).map(obj)) {
        if (isObj(e.configMapRef)) check('ConfigMap', ns, e.configMapRef.name, undefined, where);
        if (isObj(e.secretRef)) check('Secret', ns, e.secretRef.name, undefined, where);
      }
      for (const v of arr(pod.volumes).map(obj)) {
        if (isObj(v.configMap))
          check('ConfigMap', ns, v.configMap.name, undefined, `${where} volume ${String(v.name)}`);
        if (isObj(v.secret))
          check('Secret', ns, v.secret.secretName, undefined, `${where} volume ${String(v.name)}`);
      }
    }
    expect(refs).toBeGreaterThan(15);
  });

  it('mounts only volumes the pod declares', () => {
    for (const { doc, pod, c, where } of allContainers()) {
      const volumes = [
        ...arr(pod.volumes).map((v) => obj(v).name),
        ...arr(obj(doc.spec).volumeClaimTemplates).map((t) => obj(obj(t).metadata).name),
      ];
      for (const m of arr(c.volumeMounts).map(obj)) expect(volumes, where).toContain(m.name);
    }
  });

  it('sets requests and limits and the restricted security context on every container', () => {
    for (const { pod, c, where } of allContainers()) {
      const resources = obj(c.resources);
      for (const kind of ['requests', 'limits']) {
        for (const res of ['cpu', 'memory'])
          expect(obj(resources[kind])[res], `${where} ${kind}.${res}`).toBeDefined();
      }
      const sc = obj(c.securityContext);
      expect(sc.runAsNonRoot, where).toBe(true);
      expect(sc.readOnlyRootFilesystem, where).toBe(true);
      expect(sc.allowPrivilegeEscalation, where).toBe(false);
      expect(arr(obj(sc.capabilities).drop), where).toEqual(['ALL']);
      expect(arr(obj(sc.capabilities).add), where).toEqual([]);
      expect(obj(sc.seccompProfile).type, where).toBe('RuntimeDefault');
      expect(sc.privileged ?? false, where).toBe(false);
      const podSc = obj(pod.securityContext);
      expect(podSc.runAsNonRoot, where).toBe(true);
      expect(Number(sc.runAsUser ?? podSc.runAsUser), `${where}: a numeric non-root user`).toBeGreaterThan(0);
      expect(pod.hostNetwork ?? false, where).toBe(false);
      expect(pod.automountServiceAccountToken, where).toBe(false);
    }
  });

  it('pins every image, with the versions docker-compose.yml runs', () => {
    const compose = obj(readYaml('docker-compose.yml').services);
    const composeImages = new Set(Object.values(compose).map((s) => str(obj(s).image)));
    for (const { c, where } of allContainers()) {
      const image = String(c.image);
      expect(image, where).toMatch(/:[v\d][\w.-]*$/);
      expect(image, where).not.toMatch(/:latest$/);
      if (!image.startsWith('demo-platform/')) expect(composeImages, `${where}: ${image}`).toContain(image);
    }
  });

  it('gives the services their settings by cluster DNS name and their identity from the downward API', () => {
    for (const [name, port] of Object.entries(SERVICES)) {
      const deployment = find('Deployment', 'demo', name);
      const c = obj(arr(obj(obj(obj(deployment?.spec).template).spec).containers)[0]);
      const env = new Map(arr(c.env).map((e) => [String(obj(e).name), obj(e)]));
      const fieldPath = (key: string) => obj(obj(env.get(key)?.valueFrom).fieldRef).fieldPath;
      expect(fieldPath('K8S_POD_NAME')).toBe('metadata.name');
      expect(fieldPath('K8S_NAMESPACE_NAME')).toBe('metadata.namespace');
      expect(fieldPath('K8S_NODE_NAME')).toBe('spec.nodeName');
      const attributes = String(env.get('OTEL_RESOURCE_ATTRIBUTES')?.value);
      expect(attributes).toContain('k8s.namespace.name=$(K8S_NAMESPACE_NAME)');
      expect(attributes).toContain('k8s.pod.name=$(K8S_POD_NAME)');
      // $(VAR) only expands variables defined before it.
      const order = [...env.keys()];
      expect(order.indexOf('K8S_POD_NAME')).toBeLessThan(order.indexOf('OTEL_RESOURCE_ATTRIBUTES'));
      expect(env.get('OTEL_SERVICE_NAME')?.value).toBe(name);
      expect(env.get('PORT')?.value).toBe(String(port));
    }
  });

  /** Resolves a URL host as cluster DNS does from `ns`: `svc`, `svc.ns`, `svc.ns.svc.cluster.local`. */
  function resolveService(host: string, ns: string): Obj | undefined {
    const [svc, otherNs] = host.replace(/\.svc(\.cluster\.local)?$/, '').split('.');
    return find('Service', otherNs ?? ns, svc ?? '');
  }
  const servicePorts = (svc: Obj | undefined) => arr(obj(svc?.spec).ports).map((p) => obj(p).port);

  /** Container env with the ConfigMaps of envFrom resolved and $(VAR) expanded where known. */
  function resolvedEnv(ns: string, c: Obj): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of arr(c.envFrom).map(obj)) {
      if (isObj(e.configMapRef))
        Object.assign(env, obj(find('ConfigMap', ns, String(e.configMapRef.name))?.data));
    }
    for (const e of arr(c.env).map(obj)) {
      if (typeof e.value === 'string') {
        env[String(e.name)] = e.value.replace(/\$\(([A-Z0-9_]+)\)/g, (_, v: string) =>
          v in env ? String(env[v]) : 'x',
        );
      } else {
        env[String(e.name)] = 'x';
      }
    }
    return env;
  }

  it('points every URL in a container environment at a Service and a port it serves', () => {
    const checked: string[] = [];
    for (const { doc, c, where } of allContainers()) {
      for (const { at, url } of urlsIn(resolvedEnv(nsOf(doc), c))) {
        const svc = resolveService(url.hostname, nsOf(doc));
        expect(svc, `${where} ${at}=${url.href}`).toBeDefined();
        expect(servicePorts(svc), `${where} ${at}=${url.href}`).toContain(urlPort(url));
        checked.push(`${nameOf(doc)}.${at}`);
      }
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        'user-service.DATABASE_URL',
        'user-service.NATS_URL',
        'user-service.OTEL_EXPORTER_OTLP_ENDPOINT',
        'order-service.MONGODB_URL',
        'inventory-service.MONGODB_URL',
      ]),
    );
  });

  it('resolves the endpoints of the otel/ configuration inside the observability namespace', () => {
    for (const { at, url } of otelConfigUrls()) {
      if (url.hostname === 'localhost') continue;
      const svc = resolveService(url.hostname, 'observability');
      expect(svc, `${at}: ${url.href}`).toBeDefined();
      expect(servicePorts(svc), `${at}: ${url.href}`).toContain(urlPort(url));
    }
    expect(collectorDefaultEndpoints().size).toBeGreaterThanOrEqual(3);
  });

  it('gives each service its own database identities as Secrets that only its Deployment and the creating server read', () => {
    const servers = {
      'user-service-postgres': ['StatefulSet/postgres'],
      'inventory-service-postgres': ['StatefulSet/postgres'],
      'order-service-mongodb': ['StatefulSet/mongodb'],
      'inventory-service-mongodb': ['StatefulSet/mongodb'],
    };
    expect(databaseCredentialProblems(docs, servers)).toEqual([]);
    // The servers create those identities at first start, from those Secrets: the init scripts
    // are mounted and fed the passwords under the names they read.
    const serverEnv = (name: string) =>
      Object.fromEntries(
        arr(obj(arr(obj(obj(obj(find('StatefulSet', 'demo', name)?.spec).template).spec).containers)[0]).env)
          .map(obj)
          .map((e) => [String(e.name), obj(obj(e.valueFrom).secretKeyRef)]),
      );
    expect(serverEnv('postgres').USER_SERVICE_DB_PASSWORD).toEqual({
      name: 'user-service-postgres',
      key: 'password',
    });
    expect(serverEnv('postgres').INVENTORY_SERVICE_DB_PASSWORD).toEqual({
      name: 'inventory-service-postgres',
      key: 'password',
    });
    expect(serverEnv('mongodb').ORDER_SERVICE_MONGODB_PASSWORD).toEqual({
      name: 'order-service-mongodb',
      key: 'password',
    });
    expect(serverEnv('mongodb').INVENTORY_SERVICE_MONGODB_PASSWORD).toEqual({
      name: 'inventory-service-mongodb',
      key: 'password',
    });
    const secret = (name: string) => find('Secret', 'demo', name);
    const sh = read('deploy/postgres/service-databases.sh');
    expect(sh).toContain(
      `service_database ${secretValue(secret('user-service-postgres'), 'username')} users "$USER_SERVICE_DB_PASSWORD"`,
    );
    expect(sh).toContain(
      `service_database ${secretValue(secret('inventory-service-postgres'), 'username')} inventory "$INVENTORY_SERVICE_DB_PASSWORD"`,
    );
    const js = read('deploy/mongodb/service-users.js');
    expect(js).toContain(`user: '${secretValue(secret('order-service-mongodb'), 'username')}', db: 'orders'`);
    expect(js).toContain(
      `user: '${secretValue(secret('inventory-service-mongodb'), 'username')}', db: 'inventory'`,
    );
    for (const [service, db] of [
      ['order-service', 'orders'],
      ['inventory-service', 'inventory'],
    ] as const) {
      const env = Object.fromEntries(
        arr(
          obj(arr(obj(obj(obj(find('Deployment', 'demo', service)?.spec).template).spec).containers)[0]).env,
        )
          .map(obj)
          .map((e) => [String(e.name), e.value]),
      );
      expect(new URL(String(env.MONGODB_URL)).searchParams.get('authSource'), service).toBe(db);
    }
  });

  it("notices a service that reads the superuser or another service's Secret (the check is not vacuous)", () => {
    const tampered = structuredClone(docs);
    const user = tampered.find((d) => kindOf(d) === 'Deployment' && nameOf(d) === 'user-service') as Obj;
    const env = arr(obj(arr(obj(obj(obj(user.spec).template).spec).containers)[0]).env).map(obj);
    const password = env.find((e) => e.name === 'DATABASE_PASSWORD') as Obj;
    const superuser = nameOf(
      tampered.find((d) => kindOf(d) === 'Secret' && nameOf(d).startsWith('postgres-credentials-')) ?? {},
    );
    password.valueFrom = { secretKeyRef: { name: superuser, key: 'password' } };
    env.push({
      name: 'STOLEN',
      valueFrom: { secretKeyRef: { name: 'inventory-service-postgres', key: 'password' } },
    });
    const problems = databaseCredentialProblems(tampered, {});
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^user-service reads database Secrets/),
        'user-service: DATABASE_PASSWORD is not Secret user-service-postgres key password',
        "StatefulSet demo/postgres reads user-service's Secret user-service-postgres",
      ]),
    );
  });

  it('generates the configuration ConfigMaps from the very files in otel/ and deploy/', () => {
    const compared: string[] = [];
    for (const dir of ['k8s/infrastructure', 'k8s/services', 'k8s/observability']) {
      const kustomization = readYaml(`${dir}/kustomization.yaml`);
      const ns = String(kustomization.namespace);
      for (const generator of arr(kustomization.configMapGenerator).map(obj)) {
        const generated = docs.filter(
          (d) =>
            kindOf(d) === 'ConfigMap' && nsOf(d) === ns && nameOf(d).startsWith(`${String(generator.name)}-`),
        );
        expect(generated, `${dir}: ${String(generator.name)}`).toHaveLength(1);
        const data = obj(generated[0]?.data);
        for (const entry of arr(generator.files).map(String)) {
          const [key, path] = entry.includes('=') ? entry.split('=') : [basename(entry), entry];
          const file = relative(root, join(root, dir, String(path)));
          expect(data[String(key)], `${file} as ${String(key)}`).toBe(read(file));
          compared.push(file);
        }
      }
    }
    // Every configuration file the backends need is there: nothing left to copy by hand.
    const expected = [
      'otel/collector.yaml',
      'otel/prometheus.yml',
      ...arr(readYaml('otel/prometheus.yml').rule_files).map((f) => `otel/${String(f)}`),
      'otel/loki.yaml',
      'otel/tempo.yaml',
      ...listFiles('otel/grafana/provisioning/datasources'),
      ...listFiles('otel/grafana/provisioning/dashboards'),
      ...listFiles('otel/grafana/dashboards'),
      'deploy/postgres/service-databases.sh',
      'deploy/mongodb/service-users.js',
    ];
    expect(compared.sort()).toEqual([...new Set(expected)].sort());
  });

  it('mounts the configuration where each server is told to read it', () => {
    const flags = /^-{1,2}config(?:\.file)?=(.+)$/;
    let checked = 0;
    for (const { doc, pod, c, where } of allContainers()) {
      for (const arg of arr(c.args).map(String)) {
        const path = flags.exec(arg)?.[1];
        if (!path) continue;
        const mount = arr(c.volumeMounts)
          .map(obj)
          .find((m) => m.mountPath === dirname(path));
        expect(mount, `${where}: nothing mounted at ${dirname(path)}`).toBeDefined();
        const volume = arr(pod.volumes)
          .map(obj)
          .find((v) => v.name === mount?.name);
        const cm = find('ConfigMap', nsOf(doc), String(obj(volume?.configMap).name));
        expect(Object.keys(obj(cm?.data)), where).toContain(basename(path));
        checked++;
      }
    }
    expect(checked).toBe(5); // collector, Prometheus, Loki, Tempo, NATS
    // Grafana: the dashboard provider's folder is where the dashboards ConfigMap is mounted.
    const grafana = workloads().find(({ doc }) => nameOf(doc) === 'grafana');
    const providers = arr(readYaml('otel/grafana/provisioning/dashboards/dashboards.yaml').providers);
    const mounts = containersOf(grafana?.pod ?? {}).flatMap((c) => arr(c.volumeMounts).map(obj));
    for (const p of providers) {
      const mount = mounts.find((m) => m.mountPath === obj(obj(p).options).path);
      expect(mount?.name).toBe('dashboards');
    }
  });
});
