import { beforeAll, describe, expect, it } from 'vitest';
import { kustomizeBuild } from '../src/kustomize.js';
import { arr, type Obj, obj, parseYamlStream, str } from './helpers.js';

/**
 * The rendered NetworkPolicies, evaluated as Kubernetes does: a pod selected by any policy of a
 * direction allows only what one of those policies' rules allows. Each flow the system needs is
 * allowed, and the flows it does not need are not.
 */

interface Pod {
  ns: string;
  labels: Record<string, string>;
}

let policies: Obj[] = [];
let pods: Map<string, Pod>;

const podOf = (ref: string): Pod => {
  const pod = pods.get(ref);
  if (!pod) throw new Error(`no workload ${ref} in the rendered manifests`);
  return pod;
};

function matches(selector: unknown, labels: Record<string, string>): boolean {
  const s = obj(selector);
  for (const [key, value] of Object.entries(obj(s.matchLabels))) if (labels[key] !== value) return false;
  for (const expression of arr(s.matchExpressions).map(obj)) {
    const key = str(expression.key) ?? '';
    const values = arr(expression.values).map(String);
    const has = labels[key] !== undefined && values.includes(labels[key] as string);
    if (expression.operator === 'In' && !has) return false;
    if (expression.operator === 'NotIn' && has) return false;
  }
  return true;
}

const nsLabels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns });

/** Whether a peer entry (`from`/`to` item) admits `pod`, seen from a policy in `policyNs`. */
function peerAdmits(peer: Obj, pod: Pod, policyNs: string): boolean {
  if (peer.ipBlock !== undefined) return false;
  const nsOk =
    peer.namespaceSelector === undefined
      ? pod.ns === policyNs
      : matches(peer.namespaceSelector, nsLabels(pod.ns));
  const podOk = peer.podSelector === undefined ? true : matches(peer.podSelector, pod.labels);
  return nsOk && podOk;
}

function ruleAdmits(rule: Obj, peers: 'from' | 'to', other: Pod, port: number, policyNs: string): boolean {
  const ports = arr(rule.ports).map(obj);
  const portOk =
    ports.length === 0 || ports.some((p) => (p.protocol ?? 'TCP') === 'TCP' && Number(p.port) === port);
  const list = arr(rule[peers]).map(obj);
  return portOk && (rule[peers] === undefined || list.some((peer) => peerAdmits(peer, other, policyNs)));
}

/** Whether one direction at `pod` lets the flow through. */
function sideAllows(pod: Pod, type: 'Ingress' | 'Egress', other: Pod, port: number): boolean {
  const selecting = policies.filter((p) => {
    const spec = obj(p.spec);
    return (
      str(obj(p.metadata).namespace) === pod.ns &&
      arr(spec.policyTypes).includes(type) &&
      matches(spec.podSelector, pod.labels)
    );
  });
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    arr(obj(p.spec)[type === 'Ingress' ? 'ingress' : 'egress'])
      .map(obj)
      .some((rule) => ruleAdmits(rule, type === 'Ingress' ? 'from' : 'to', other, port, pod.ns)),
  );
}

function allowed(from: string, to: string, port: number): boolean {
  const source = podOf(from);
  const target = podOf(to);
  return sideAllows(source, 'Egress', target, port) && sideAllows(target, 'Ingress', source, port);
}

describe('Kubernetes network policies', () => {
  beforeAll(async () => {
    const docs = parseYamlStream(await kustomizeBuild());
    policies = docs.filter((d) => d.kind === 'NetworkPolicy');
    pods = new Map();
    for (const doc of docs.filter((d) => ['Deployment', 'StatefulSet', 'Job'].includes(String(d.kind)))) {
      const metadata = obj(doc.metadata);
      const labels = obj(obj(obj(obj(doc.spec).template).metadata).labels) as Record<string, string>;
      pods.set(`${str(metadata.namespace)}/${str(metadata.name)}`, {
        ns: str(metadata.namespace) ?? '',
        labels,
      });
    }
    // A client outside both namespaces (an ingress controller, a user's port-forward).
    pods.set('outside/client', { ns: 'outside', labels: {} });
  }, 120_000);

  it('deny everything by default in both namespaces', () => {
    for (const ns of ['demo', 'observability']) {
      const deny = policies.find(
        (p) => str(obj(p.metadata).namespace) === ns && str(obj(p.metadata).name) === 'default-deny',
      );
      expect(deny, ns).toBeDefined();
      expect(obj(obj(deny).spec).podSelector).toEqual({});
      expect(arr(obj(obj(deny).spec).policyTypes).sort()).toEqual(['Egress', 'Ingress']);
    }
  });

  it.each([
    ['demo/user-service', 'demo/nats', 4222],
    ['demo/order-service', 'demo/nats', 4222],
    ['demo/inventory-service', 'demo/nats', 4222],
    ['demo/nats-provision', 'demo/nats', 4222],
    ['demo/user-service', 'demo/postgres', 5432],
    ['demo/inventory-service', 'demo/postgres', 5432],
    ['demo/order-service', 'demo/mongodb', 27017],
    ['demo/inventory-service', 'demo/mongodb', 27017],
    ['demo/user-service', 'observability/otel-collector', 4318],
    ['demo/order-service', 'observability/otel-collector', 4317],
    ['demo/inventory-service', 'observability/otel-collector', 4318],
    ['observability/otel-collector', 'observability/tempo', 4318],
    ['observability/otel-collector', 'observability/loki', 3100],
    ['observability/otel-collector', 'observability/prometheus', 9090],
    ['observability/prometheus', 'observability/otel-collector', 8888],
    ['observability/tempo', 'observability/prometheus', 9090],
    ['observability/grafana', 'observability/prometheus', 9090],
    ['observability/grafana', 'observability/loki', 3100],
    ['observability/grafana', 'observability/tempo', 3200],
    ['outside/client', 'demo/user-service', 8000],
    ['outside/client', 'demo/order-service', 8001],
    ['outside/client', 'demo/inventory-service', 8002],
    ['outside/client', 'observability/grafana', 3000],
  ])('allows %s -> %s:%d', (from, to, port) => {
    expect(allowed(from, to, port)).toBe(true);
  });

  it.each([
    ['demo/order-service', 'demo/postgres', 5432, 'order-service has no PostgreSQL database'],
    ['demo/user-service', 'demo/mongodb', 27017, 'user-service has no MongoDB database'],
    ['demo/user-service', 'demo/order-service', 8001, 'services never call each other'],
    ['demo/order-service', 'demo/inventory-service', 8002, 'services never call each other'],
    ['outside/client', 'demo/nats', 4222, 'NATS is not reachable from outside'],
    ['outside/client', 'demo/postgres', 5432, 'databases are not reachable from outside'],
    ['outside/client', 'observability/prometheus', 9090, 'Prometheus is read through Grafana'],
    ['observability/grafana', 'demo/postgres', 5432, 'Grafana reads only its backends'],
    ['demo/nats', 'demo/postgres', 5432, 'NATS talks to no database'],
    ['demo/nats-provision', 'demo/postgres', 5432, 'the provisioning Job talks only to NATS'],
    ['outside/client', 'demo/nats-provision', 8000, 'nothing dials the provisioning Job'],
    ['demo/postgres', 'observability/otel-collector', 4318, 'a database does not dial out'],
    ['demo/user-service', 'observability/grafana', 3000, 'services reach only the collector'],
  ])('denies %s -> %s:%d (%s)', (from, to, port) => {
    expect(allowed(from as string, to as string, port as number)).toBe(false);
  });
});
