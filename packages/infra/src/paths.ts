import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in packages/infra/src or packages/infra/dist). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Built and downloaded binaries: outside the repository, shared by every clone. */
export const cacheDir =
  process.env.DEMO_CACHE_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'demo-platform');
export const binDir = join(cacheDir, 'bin');

/** Data and logs of `npm run infra -- up` (git-ignored). */
export const stateDir = join(repoRoot, '.infra');

export const installScript = join(repoRoot, 'scripts', 'infra', 'install.sh');
export const otelDir = join(repoRoot, 'otel');

export interface Versions {
  NATS_SERVER_VERSION: string;
  NATS_CLI_VERSION: string;
  FERRETDB_VERSION: string;
  OTELCOL_BUILDER_VERSION: string;
  PROMETHEUS_VERSION: string;
  KUSTOMIZE_VERSION: string;
  SCHEMATHESIS_VERSION: string;
  JAEGER_VERSION: string;
}

/** The pinned versions, read from scripts/infra/versions.env (the install script's source too). */
export function readVersions(): Versions {
  const text = readFileSync(join(repoRoot, 'scripts', 'infra', 'versions.env'), 'utf8');
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split('=', 2) as [string, string]);
  const map = Object.fromEntries(entries) as Record<string, string | undefined>;
  const get = (key: keyof Versions): string => {
    const value = map[key];
    if (!value) throw new Error(`scripts/infra/versions.env does not pin ${key}`);
    return value;
  };
  return {
    NATS_SERVER_VERSION: get('NATS_SERVER_VERSION'),
    NATS_CLI_VERSION: get('NATS_CLI_VERSION'),
    FERRETDB_VERSION: get('FERRETDB_VERSION'),
    OTELCOL_BUILDER_VERSION: get('OTELCOL_BUILDER_VERSION'),
    PROMETHEUS_VERSION: get('PROMETHEUS_VERSION'),
    KUSTOMIZE_VERSION: get('KUSTOMIZE_VERSION'),
    SCHEMATHESIS_VERSION: get('SCHEMATHESIS_VERSION'),
    JAEGER_VERSION: get('JAEGER_VERSION'),
  };
}

/** Paths of the installed binaries (they may not exist yet: see install.ts). */
export function binaries() {
  const v = readVersions();
  return {
    natsServer: join(binDir, `nats-server-${v.NATS_SERVER_VERSION}`),
    natsCli: join(binDir, `nats-${v.NATS_CLI_VERSION}`),
    ferretdb: join(binDir, `ferretdb-${v.FERRETDB_VERSION}`),
    otelcol: join(binDir, 'otelcol-demo'),
    prometheus: join(binDir, `prometheus-${v.PROMETHEUS_VERSION}`),
    promtool: join(binDir, `promtool-${v.PROMETHEUS_VERSION}`),
    kustomize: join(binDir, `kustomize-${v.KUSTOMIZE_VERSION}`),
    schemathesis: join(binDir, `schemathesis-${v.SCHEMATHESIS_VERSION}`),
    jaeger: join(binDir, `jaeger-${v.JAEGER_VERSION}`),
  };
}
