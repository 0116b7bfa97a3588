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
