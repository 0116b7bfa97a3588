import { join } from 'node:path';
import * as k8s from 'kubernetes-models';
import ts from 'typescript';
import { arr, type Obj, obj, root, str } from './helpers.js';

/** Helpers over rendered manifests: lookups, and the two schema checks of the Kubernetes API's kinds. */
export const kindOf = (doc: Obj) => str(doc.kind) ?? '';
export const nameOf = (doc: Obj) => str(obj(doc.metadata).name) ?? '';
export const nsOf = (doc: Obj) => str(obj(doc.metadata).namespace) ?? '';
export const label = (doc: Obj) => `${kindOf(doc)} ${nsOf(doc)}/${nameOf(doc)}`;

export function podSpecOf(doc: Obj): Obj {
  const spec = obj(doc.spec);
  return kindOf(doc) === 'CronJob'
    ? obj(obj(obj(obj(spec.jobTemplate).spec).template).spec)
    : obj(obj(spec.template).spec);
}

export const containersOf = (pod: Obj): Obj[] =>
  [...arr(pod.initContainers), ...arr(pod.containers)].map(obj);

/** The kubernetes-models class for a document's apiVersion and kind, if it is a built-in kind. */
export function modelFor(doc: Obj): (new (data: Obj) => { validate(): void }) | undefined {
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

/**
 * Type-checks documents against the exact TypeScript types of kubernetes-models: an unknown
 * field is an excess-property error (the runtime schemas tolerate it, a strict API server does not).
 * Returns one line per error, naming the document.
 */
export function typeErrors(docs: readonly Obj[]): string[] {
  const file = join(root, 'deploy', '.rendered-ha-manifests.ts');
  const body = docs
    .map((doc, i) => {
      const [group, version] = String(doc.apiVersion).includes('/')
        ? String(doc.apiVersion).split('/')
        : [undefined, String(doc.apiVersion)];
      const module = group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
      return `import type { I${kindOf(doc)} as T${i} } from '${module}';\nexport const m${i}: T${i} = ${JSON.stringify(doc)};`;
    })
    .join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const original = {
    getSourceFile: host.getSourceFile,
    fileExists: host.fileExists,
    readFile: host.readFile,
  };
  host.fileExists = (f) => f === file || original.fileExists(f);
  host.readFile = (f) => (f === file ? body : original.readFile(f));
  host.getSourceFile = (f, lang, ...rest) =>
    f === file ? ts.createSourceFile(f, body, lang) : original.getSourceFile(f, lang, ...rest);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line;
    const m = /^export const m(\d+)/.exec(body.split('\n')[line] ?? '');
    const doc = m ? docs[Number(m[1])] : undefined;
    return `${doc ? `${label(doc)}: ` : ''}${text}`;
  });
}

/** Each service's own database Secrets (basic-auth: username, password) and the variables they feed. */
export const SERVICE_DATABASE_SECRETS = {
  'user-service': { 'user-service-postgres': ['DATABASE_USER', 'DATABASE_PASSWORD'] },
  'order-service': { 'order-service-mongodb': ['MONGODB_USER', 'MONGODB_PASSWORD'] },
  'inventory-service': {
    'inventory-service-postgres': ['DATABASE_USER', 'DATABASE_PASSWORD'],
    'inventory-service-mongodb': ['MONGODB_USER', 'MONGODB_PASSWORD'],
  },
} as const;

/** The servers' superuser Secrets: for the servers and operators, never for a service. */
export const SUPERUSER_SECRETS = ['postgres-credentials', 'mongodb-credentials'] as const;

/** A Secret's value under `key`, decoded (kustomize renders `data` base64-encoded). */
export function secretValue(secret: Obj | undefined, key: string): string | undefined {
  const plain = str(obj(secret?.stringData)[key]);
  if (plain !== undefined) return plain;
  const encoded = str(obj(secret?.data)[key]);
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

/** Every Secret a workload's pod refers to (env, envFrom, volumes), by name. */
export function secretsReferencedBy(doc: Obj): Set<string> {
  const pod = podSpecOf(doc);
  const names = new Set<string>();
  for (const c of containersOf(pod)) {
    for (const e of arr(c.env).map(obj)) {
      const ref = obj(obj(e.valueFrom).secretKeyRef);
      if (ref.name) names.add(String(ref.name));
    }
    for (const e of arr(c.envFrom).map(obj))
      if (obj(e.secretRef).name) names.add(String(obj(e.secretRef).name));
  }
  for (const v of arr(pod.volumes).map(obj))
    if (obj(v.secret).secretName) names.add(String(obj(v.secret).secretName));
  return names;
}

/**
 * What is wrong with the services' database credentials in rendered manifests, one line each:
 * every service reads its own basic-auth Secrets (and those only, into the variables named
 * above), no other workload but the database server that creates the identity reads them, no
 * service reads a superuser's Secret or holds a superuser's password, and no URL carries
 * credentials. `servers` names, per Secret, the workloads allowed to read it besides its service.
 */
export function databaseCredentialProblems(
  docs: readonly Obj[],
  servers: Record<string, readonly string[]>,
): string[] {
  const problems: string[] = [];
  const secrets = new Map(docs.filter((d) => kindOf(d) === 'Secret').map((d) => [nameOf(d), d]));
  const workloads = docs.filter((d) =>
    ['Deployment', 'StatefulSet', 'Job', 'CronJob', 'DaemonSet'].includes(kindOf(d)),
  );
  // Generated with a hash suffix: postgres-credentials-<hash>.
  const superPasswords = [...secrets]
    .filter(([name]) => SUPERUSER_SECRETS.some((s) => name === s || name.startsWith(`${s}-`)))
    .flatMap(([, secret]) => secretValue(secret, 'password') ?? []);
  if (superPasswords.length === 0) problems.push('no superuser Secret is rendered: nothing to compare with');
  const owner = new Map<string, string>();
  for (const [service, own] of Object.entries(SERVICE_DATABASE_SECRETS)) {
    for (const name of Object.keys(own)) owner.set(name, service);
    const deployment = workloads.find((d) => kindOf(d) === 'Deployment' && nameOf(d) === service);
    if (!deployment) {
      problems.push(`${service}: no Deployment`);
      continue;
    }
    const referenced = [...secretsReferencedBy(deployment)];
    const expected = Object.keys(own);
    const dbSecrets = referenced.filter(
      (n) =>
        owner.has(n) ||
        expected.includes(n) ||
        SUPERUSER_SECRETS.some((s) => n === s || n.startsWith(`${s}-`)),
    );
    if (dbSecrets.sort().join() !== [...expected].sort().join())
      problems.push(
        `${service} reads database Secrets [${dbSecrets.sort().join(', ')}], not [${expected.join(', ')}]`,
      );
    const env = containersOf(podSpecOf(deployment)).flatMap((c) => arr(c.env).map(obj));
    for (const [name, variables] of Object.entries(own)) {
      const secret = secrets.get(name);
      if (!secret) {
        problems.push(`${service}: Secret ${name} is not rendered`);
        continue;
      }
      if (secret.type !== 'kubernetes.io/basic-auth')
        problems.push(`Secret ${name} is not kubernetes.io/basic-auth`);
      for (const key of ['username', 'password'])
        if (!secretValue(secret, key)) problems.push(`Secret ${name} has no ${key}`);
      if (superPasswords.includes(secretValue(secret, 'password') ?? ''))
        problems.push(`Secret ${name} holds a superuser's password`);
      const [userVariable, passwordVariable] = variables;
      for (const [variable, key] of [
        [userVariable, 'username'],
        [passwordVariable, 'password'],
      ] as const) {
        const ref = obj(obj(env.find((e) => e.name === variable)?.valueFrom).secretKeyRef);
        if (ref.name !== name || ref.key !== key)
          problems.push(`${service}: ${variable} is not Secret ${name} key ${key}`);
      }
    }
    for (const e of env) {
      const value = str(e.value) ?? '';
      if (/^[a-z+]+:\/\/[^/?#]*@/i.test(value))
        problems.push(`${service}: ${String(e.name)} carries credentials`);
      if (superPasswords.includes(value))
        problems.push(`${service}: ${String(e.name)} is a superuser's password`);
    }
  }
  for (const doc of workloads) {
    for (const name of secretsReferencedBy(doc)) {
      const service = owner.get(name);
      if (service === undefined || nameOf(doc) === service) continue;
      if (!(servers[name] ?? []).includes(`${kindOf(doc)}/${nameOf(doc)}`))
        problems.push(`${label(doc)} reads ${service}'s Secret ${name}`);
    }
  }
  return problems;
}
