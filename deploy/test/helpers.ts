import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** The repository root. */
export const root = resolve(import.meta.dirname, '..', '..');

export const read = (path: string): string => readFileSync(join(root, path), 'utf8');
export const exists = (path: string): boolean => existsSync(join(root, path));
export const listFiles = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `${dir}/${entry.name}`)
    .sort();

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Obj = { [key: string]: Json };

export const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
export const obj = (value: unknown): Obj => (isObj(value) ? value : {});
export const arr = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A YAML file of the repository (merge keys on, as docker compose reads them). */
export function readYaml(path: string): Obj {
  return obj(parse(read(path), { merge: true }));
}

export function parseYamlStream(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('\n'));
      return doc.toJSON() as unknown;
    })
    .filter(isObj);
}

/** `scheme://host:port/...` values found anywhere in a parsed YAML/JSON tree, with where. */
export function urlsIn(value: unknown, at = ''): Array<{ at: string; url: URL }> {
  if (typeof value === 'string') {
    const match = /^(?:[a-z][a-z0-9+.-]*):\/\/[^\s'"]+$/i.exec(value.trim());
    if (!match) return [];
    try {
      return [{ at, url: new URL(value.trim()) }];
    } catch {
      return [];
    }
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => urlsIn(v, `${at}[${i}]`));
  if (isObj(value)) return Object.entries(value).flatMap(([k, v]) => urlsIn(v, at ? `${at}.${k}` : k));
  return [];
}

const DEFAULT_PORTS: Record<string, number> = {
  'http:': 80,
  'https:': 443,
  'nats:': 4222,
  'mongodb:': 27017,
};
const POSTGRES = new Set(['postgres:', 'postgresql:']);

/** The port a URL connects to, with the scheme's default. */
export function urlPort(url: URL): number {
  if (url.port) return Number(url.port);
  if (POSTGRES.has(url.protocol)) return 5432;
  const port = DEFAULT_PORTS[url.protocol];
  if (port === undefined) throw new Error(`no default port known for ${url.protocol}`);
  return port;
}

/**
 * The endpoints otel/collector.yaml falls back to: `${env:NAME:-default}` values that are URLs,
 * keyed by the variable name.
 */
export function collectorDefaultEndpoints(): Map<string, URL> {
  const found = new Map<string, URL>();
  for (const match of read('otel/collector.yaml').matchAll(/\$\{env:([A-Z0-9_]+):-([^}]+)\}/g)) {
    const [, name, fallback] = match;
    if (name && fallback && /^[a-z]+:\/\//.test(fallback)) found.set(name, new URL(fallback));
  }
  return found;
}

/** URLs the observability configuration files under otel/ dial: targets, datasources, writes. */
export function otelConfigUrls(): Array<{ at: string; url: URL }> {
  const prometheus = readYaml('otel/prometheus.yml');
  const targets = arr(prometheus.scrape_configs).flatMap((job) =>
    arr(obj(job).static_configs).flatMap((sc) =>
      arr(obj(sc).targets).flatMap((t) => {
        const target = str(t);
        if (!target) return [];
        return [
          { at: `otel/prometheus.yml job ${str(obj(job).job_name)}`, url: new URL(`http://${target}`) },
        ];
      }),
    ),
  );
  const datasources = urlsIn(
    readYaml('otel/grafana/provisioning/datasources/datasources.yaml').datasources,
  ).map((u) => ({ ...u, at: `otel/grafana/provisioning/datasources/datasources.yaml ${u.at}` }));
  const tempo = urlsIn(readYaml('otel/tempo.yaml')).map((u) => ({ ...u, at: `otel/tempo.yaml ${u.at}` }));
  const collector = [...collectorDefaultEndpoints()].map(([name, url]) => ({
    at: `otel/collector.yaml ${name}`,
    url,
  }));
  return [...targets, ...datasources, ...tempo, ...collector];
}
