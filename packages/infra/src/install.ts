import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { binaries, installScript } from './paths.js';

export type Component =
  | 'nats-server'
  | 'nats'
  | 'ferretdb'
  | 'otelcol'
  | 'prometheus'
  | 'kustomize'
  | 'schemathesis'
  | 'jaeger';

const needed: Record<Component, () => string[]> = {
  'nats-server': () => [binaries().natsServer],
  nats: () => [binaries().natsCli],
  ferretdb: () => [binaries().ferretdb],
  otelcol: () => [binaries().otelcol],
  prometheus: () => [binaries().prometheus, binaries().promtool],
  kustomize: () => [binaries().kustomize],
  schemathesis: () => [binaries().schemathesis],
  jaeger: () => [binaries().jaeger],
};

export function missingComponents(components: readonly Component[]): Component[] {
  return components.filter((c) => needed[c]().some((path) => !existsSync(path)));
}

/**
 * Runs scripts/infra/install.sh for the components given (all when none), printing its
 * progress on stderr. The script is idempotent: installed binaries are kept in the cache.
 */
export function install(components: readonly Component[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [installScript, ...components], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`scripts/infra/install.sh ${components.join(' ')} failed with exit code ${code}`)),
    );
  });
}

/** Installs only what is missing (the collector is rebuilt when otel/builder-config.yaml changed). */
export async function ensureInstalled(components: readonly Component[]): Promise<void> {
  const missing = missingComponents(components);
  // The collector's binary name carries the manifest hash: let the script decide.
  const todo = components.includes('otelcol') ? [...new Set([...missing, 'otelcol' as const])] : missing;
  if (todo.length > 0) await install(todo);
}
