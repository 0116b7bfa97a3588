import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  arr,
  exists,
  isObj,
  listFiles,
  type Obj,
  obj,
  otelConfigUrls,
  read,
  readYaml,
  str,
  urlPort,
  urlsIn,
} from './helpers.js';

// The Compose Specification's JSON schema, as the dclint package ships it (MIT).
const require = createRequire(import.meta.url);
const composeSchemaPath = join(
  dirname(require.resolve('dclint/package.json')),
  'schemas',
  'compose.schema.json',
);

/** Servers whose official images have no shell and no HTTP client: no healthcheck can run there. */
const NO_HEALTHCHECK_POSSIBLE: Record<string, string> = {
  'otel-collector': 'otel/opentelemetry-collector-contrib is FROM scratch',
  loki: 'grafana/loki is distroless',
  tempo: 'grafana/tempo is distroless',
};

const compose = readYaml('docker-compose.yml');
const services = obj(compose.services);
const names = Object.keys(services);
const service = (name: string): Obj => obj(services[name]);

/** Short (`[ip:]host:container`) or long port syntax, as host ip, host port, container port. */
function publishedPorts(name: string): Array<{ ip: string; host: number; container: number }> {
  return arr(service(name).ports).map((entry) => {
    if (isObj(entry)) {
      return {
        ip: str(entry.host_ip) ?? '0.0.0.0',
        host: Number(entry.published),
        container: Number(entry.target),
      };
    }
    const parts = String(entry).split(':');
    const container = Number(parts.at(-1));
    const host = Number(parts.at(-2) ?? container);
    const ip = parts.length === 3 ? (parts[0] as string) : '0.0.0.0';
    return { ip, host, container };
  });
}

/** Container ports other services may dial: `expose` plus the targets of `ports`. */
function containerPorts(name: string): Set<number> {
  return new Set([
    ...arr(service(name).expose).map((p) => Number(String(p).split('/')[0])),
    ...publishedPorts(name).map((p) => p.container),
  ]);
}

function environment(name: string): Record<string, string> {
  const env = service(name).environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((line) => {
        const [k, ...v] = String(line).split('=');
        return [k as string, v.join('=')];
      }),
    );
  }
  return Object.fromEntries(Object.entries(obj(env)).map(([k, v]) => [k, String(v)]));
}

function dependsOn(name: string): Record<string, Obj> {
  const deps = service(name).depends_on;
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [String(d), {}]));
  return Object.fromEntries(Object.entries(obj(deps)).map(([k, v]) => [k, obj(v)]));
}

function hasHealthcheck(name: string): boolean {
  const hc = obj(service(name).healthcheck);
  return Object.keys(hc).length > 0 && hc.disable !== true && arr(hc.test)[0] !== 'NONE';
}

/** Bind mounts (short syntax `./src:/target[:ro]` or long syntax with type bind) as source, target. */
function bindMounts(name: string): Array<{ source: string; target: string }> {
  return arr(service(name).volumes).flatMap((v) => {
    if (isObj(v)) {
      return v.type === 'bind' ? [{ source: String(v.source), target: String(v.target) }] : [];
    }
    const [source, target] = String(v).split(':');
    return source?.startsWith('.') || source?.startsWith('/') ? [{ source, target: target ?? '' }] : [];
  });
}

function namedVolumes(name: string): string[] {
  return arr(service(name).volumes).flatMap((v) => {
    if (isObj(v)) return v.type === 'volume' && v.source ? [String(v.source)] : [];
    const [source] = String(v).split(':');
    return source && !source.startsWith('.') && !source.startsWith('/') ? [source] : [];
  });
}

const inProfile = (name: string): boolean => arr(service(name).profiles).length > 0;
/** A step that runs once and exits (`restart: "no"`, not on demand): it is waited for by its exit code. */
const oneShot = (name: string): boolean => !inProfile(name) && service(name).restart === 'no';
const built = (name: string): boolean => service(name).build !== undefined;
const repoPath = (source: string): string => source.replace(/^\.\//, '');

describe('docker-compose.yml', () => {
  let validate: ValidateFunction;

  beforeAll(() => {
    const schema = JSON.parse(readFileSync(composeSchemaPath, 'utf8')) as Obj;
    // The file names its draft by an https URI that Ajv does not know by that spelling; it is draft-07.
    expect(schema.$schema).toMatch(/draft-07/);
    delete schema.$schema;
    validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  });

  it('validates against the Compose Specification schema', () => {
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check is not vacuous: a misspelt key fails it', () => {
    const broken = structuredClone(compose);
    obj(obj(broken.services).nats).imagee = 'nats';
    expect(validate(broken)).toBe(false);
  });

  it('runs the servers, the telemetry backends, the three services and the load generator', () => {
    expect(names.sort()).toEqual(
      [
        'grafana',
        'inventory-service',
        'loadgen',
        'loki',
        'mongodb',
        'nats',
        'nats-provision',
        'order-service',
        'otel-collector',
        'postgres',
        'prometheus',
        'tempo',
        'user-service',
      ].sort(),
    );
    expect(arr(service('loadgen').profiles)).toEqual(['loadgen']);
  });

  it('pins every image it pulls to an exact version', () => {
    for (const name of names.filter((n) => !built(n))) {
      const image = str(service(name).image);
      expect(image, name).toMatch(/^[a-z0-9./_-]+:v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$/);
    }
    expect(service('nats').image).toBe('nats:2.15.2-alpine');
    expect(service('postgres').image).toBe('postgres:18.4-alpine');
    expect(service('otel-collector').image).toBe('otel/opentelemetry-collector-contrib:0.165.0');
  });

  it('gives every long-running server and service a healthcheck, where its image can run one', () => {
    for (const name of names.filter((n) => !inProfile(n) && !oneShot(n))) {
      if (name in NO_HEALTHCHECK_POSSIBLE) {
        expect(hasHealthcheck(name), `${name}: ${NO_HEALTHCHECK_POSSIBLE[name]}`).toBe(false);
      } else {
        expect(hasHealthcheck(name), `${name} has no healthcheck`).toBe(true);
      }
    }
  });

  it('waits for every dependency to be healthy, and every dependency can report health', () => {
    for (const name of names) {
      for (const [target, options] of Object.entries(dependsOn(name))) {
        expect(names, `${name} depends on unknown ${target}`).toContain(target);
        if (oneShot(target)) {
          expect(options.condition, `${name} -> ${target}`).toBe('service_completed_successfully');
          continue;
        }
        expect(hasHealthcheck(target), `${name} depends on ${target}, which has no healthcheck`).toBe(true);
        expect(options.condition, `${name} -> ${target}`).toBe('service_healthy');
      }
    }
    expect(Object.keys(dependsOn('user-service')).sort()).toEqual(['nats', 'nats-provision', 'postgres']);
    expect(Object.keys(dependsOn('order-service')).sort()).toEqual(['mongodb', 'nats', 'nats-provision']);
    expect(Object.keys(dependsOn('inventory-service')).sort()).toEqual([
      'mongodb',
      'nats',
      'nats-provision',
      'postgres',
    ]);
  });

  it('points every URL in the environment at a service of this file, on a port it exposes', () => {
    const checked: string[] = [];
    for (const name of names) {
      for (const { at, url } of urlsIn(environment(name))) {
        expect(names, `${name} ${at}=${url.href}`).toContain(url.hostname);
        expect([...containerPorts(url.hostname)], `${name} ${at}=${url.href}`).toContain(urlPort(url));
        checked.push(`${name}.${at}`);
      }
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        'user-service.DATABASE_URL',
        'user-service.NATS_URL',
        'user-service.OTEL_EXPORTER_OTLP_ENDPOINT',
        'order-service.MONGODB_URL',
        'inventory-service.DATABASE_URL',
        'inventory-service.MONGODB_URL',
        'loadgen.ORDER_SERVICE_URL',
      ]),
    );
  });

  it('points the URLs of the mounted otel/ configuration at services of this file', () => {
    const urls = otelConfigUrls();
    expect(urls.length).toBeGreaterThan(5);
    for (const { at, url } of urls) {
      if (url.hostname === 'localhost') continue; // a server dialling itself
      expect(names, `${at}: ${url.href}`).toContain(url.hostname);
      expect([...containerPorts(url.hostname)], `${at}: ${url.href}`).toContain(urlPort(url));
    }
  });

  it('gives each service the databases and settings its contract names', () => {
    const user = environment('user-service');
    expect(new URL(user.DATABASE_URL ?? '').pathname).toBe('/users');
    expect(user.PORT).toBe('8000');
    const order = environment('order-service');
    expect(order.MONGODB_DATABASE).toBe('orders');
    expect(order.PORT).toBe('8001');
    const inventory = environment('inventory-service');
    expect(new URL(inventory.DATABASE_URL ?? '').pathname).toBe('/inventory');
    expect(inventory.MONGODB_DATABASE).toBe('inventory');
    expect(inventory.PORT).toBe('8002');
    for (const name of ['user-service', 'order-service', 'inventory-service']) {
      const env = environment(name);
      expect(env.OTEL_SERVICE_NAME).toBe(name);
      expect(env.LOG_LEVEL).toBeDefined();
      expect(env.OTEL_RESOURCE_ATTRIBUTES).toMatch(/service\.namespace=/);
    }
  });

  it("gives each service its own database identities, matching the init scripts', never the superuser's", () => {
    const postgres = environment('postgres');
    const mongodb = environment('mongodb');
    const superusers = [
      { user: postgres.POSTGRES_USER, password: postgres.POSTGRES_PASSWORD },
      { user: mongodb.MONGO_INITDB_ROOT_USERNAME, password: mongodb.MONGO_INITDB_ROOT_PASSWORD },
    ];
    const expected: Record<string, Record<string, string | undefined>> = {
      'user-service': { DATABASE_USER: 'user_service', DATABASE_PASSWORD: postgres.USER_SERVICE_DB_PASSWORD },
      'order-service': {
        MONGODB_USER: 'order_service',
        MONGODB_PASSWORD: mongodb.ORDER_SERVICE_MONGODB_PASSWORD,
      },
      'inventory-service': {
        DATABASE_USER: 'inventory_service',
        DATABASE_PASSWORD: postgres.INVENTORY_SERVICE_DB_PASSWORD,
        MONGODB_USER: 'inventory_service',
        MONGODB_PASSWORD: mongodb.INVENTORY_SERVICE_MONGODB_PASSWORD,
      },
    };
    for (const [name, identity] of Object.entries(expected)) {
      const env = environment(name);
      for (const [key, value] of Object.entries(identity)) {
        expect(value, `${name}.${key}`).toBeTruthy();
        expect(env[key], `${name}.${key}`).toBe(value);
      }
      // Only the databases it uses, and no credentials of anyone else in its URLs.
      expect(
        Object.keys(env)
          .filter((k) => /^(DATABASE|MONGODB)_(USER|PASSWORD)$/.test(k))
          .sort(),
      ).toEqual(Object.keys(identity).sort());
      for (const { at, url } of urlsIn(env)) expect(url.username, `${name}.${at}`).toBe('');
      for (const value of Object.values(env))
        for (const superuser of superusers) {
          expect(value, `${name} holds a superuser's password`).not.toBe(superuser.password);
          expect(value, `${name} holds a superuser's name`).not.toBe(superuser.user);
        }
    }
    // MongoDB users are defined in their own database: that is their authSource.
    for (const name of ['order-service', 'inventory-service']) {
      const env = environment(name);
      expect(new URL(env.MONGODB_URL ?? '').searchParams.get('authSource'), name).toBe(env.MONGODB_DATABASE);
    }

    // The init scripts create those very roles and users, from those very variables.
    const mounts = (name: string) => bindMounts(name).map((m) => `${m.source}:${m.target}`);
    expect(mounts('postgres')).toContain(
      './deploy/postgres/service-databases.sh:/docker-entrypoint-initdb.d/10-service-databases.sh',
    );
    expect(mounts('mongodb')).toContain(
      './deploy/mongodb/service-users.js:/docker-entrypoint-initdb.d/10-service-users.js',
    );
    const sh = read('deploy/postgres/service-databases.sh');
    expect(sh).toContain('service_database user_service users "$USER_SERVICE_DB_PASSWORD"');
    expect(sh).toContain('service_database inventory_service inventory "$INVENTORY_SERVICE_DB_PASSWORD"');
    expect(sh).toMatch(/NOSUPERUSER NOCREATEDB NOCREATEROLE/);
    expect(sh).toMatch(/REVOKE ALL ON DATABASE :"db" FROM PUBLIC/);
    const js = read('deploy/mongodb/service-users.js');
    expect(js).toContain(
      "{ user: 'order_service', db: 'orders', password: process.env.ORDER_SERVICE_MONGODB_PASSWORD }",
    );
    expect(js).toContain(
      "{ user: 'inventory_service', db: 'inventory', password: process.env.INVENTORY_SERVICE_MONGODB_PASSWORD }",
    );
    expect(js).toContain("role: 'readWrite', db: name");
  });

  it('mounts only files and folders that exist in the repository', () => {
    const mounted: string[] = [];
    for (const name of names) {
      for (const { source } of bindMounts(name)) {
        expect(source.startsWith('./'), `${name}: ${source} must be relative to the repository`).toBe(true);
        expect(exists(repoPath(source)), `${name}: ${source} does not exist`).toBe(true);
        mounted.push(repoPath(source));
      }
    }
    // The telemetry backends run the files in otel/, the ones k8s/ generates its ConfigMaps from.
    expect(mounted).toEqual(
      expect.arrayContaining([
        'otel/collector.yaml',
        'otel/prometheus.yml',
        'otel/rules.yml',
        'otel/loki.yaml',
        'otel/tempo.yaml',
        'otel/grafana/provisioning',
        'otel/grafana/dashboards',
        'deploy/postgres/service-databases.sh',
        'deploy/mongodb/service-users.js',
      ]),
    );
  });

  it('mounts every rule file prometheus.yml loads next to it', () => {
    const target = (file: string) =>
      bindMounts('prometheus').find((m) => m.source === `./otel/${file}`)?.target ?? '<not mounted>';
    const config = target('prometheus.yml');
    for (const rules of arr(readYaml('otel/prometheus.yml').rule_files).map(String)) {
      expect(target(rules)).toBe(join(dirname(config), rules));
    }
  });

  it('mounts the dashboards where the provisioned dashboard provider reads them', () => {
    const providers = arr(readYaml('otel/grafana/provisioning/dashboards/dashboards.yaml').providers);
    const paths = providers.map((p) => str(obj(obj(p).options).path));
    const target = bindMounts('grafana').find((m) => m.source === './otel/grafana/dashboards')?.target;
    expect(paths).toContain(target);
    expect(listFiles('otel/grafana/dashboards').length).toBeGreaterThan(0);
  });

  it('declares every named volume it uses', () => {
    const declared = Object.keys(obj(compose.volumes));
    for (const name of names) for (const v of namedVolumes(name)) expect(declared, name).toContain(v);
  });

  it('publishes no host port twice, and the ports the README promises', () => {
    const seen = new Map<string, string>();
    for (const name of names) {
      for (const { ip, host } of publishedPorts(name)) {
        const key = `${ip}:${host}`;
        const clash = [...seen.entries()].find(
          ([k]) => k.endsWith(`:${host}`) && (k === key || k.startsWith('0.0.0.0') || ip === '0.0.0.0'),
        );
        expect(clash, `${name} publishes ${key}, already published by ${clash?.[1]}`).toBeUndefined();
        seen.set(key, name);
      }
    }
    const published = (name: string) => publishedPorts(name).map((p) => p.host);
    expect(published('user-service')).toContain(8000);
    expect(published('order-service')).toContain(8001);
    expect(published('inventory-service')).toContain(8002);
    expect(published('grafana')).toContain(3000);
    expect(published('prometheus')).toContain(9090);
    expect(published('nats')).toContain(4222);
    expect(published('tempo')).toContain(3200);
  });

  it('builds the services and the load generator from the root Dockerfile, one workspace package each', () => {
    const rootPackage = JSON.parse(read('package.json')) as Obj;
    expect(arr(rootPackage.workspaces)).toEqual(expect.arrayContaining(['services/*', 'tools/*']));
    for (const name of names.filter(built)) {
      const build = obj(service(name).build);
      expect(build.context, name).toBe('.');
      expect(build.dockerfile, name).toBe('Dockerfile');
      const args = obj(build.args);
      const pkg = str(args.SERVICE) ?? '';
      const dir = str(args.SERVICE_DIR) ?? `services/${pkg}`;
      expect(exists(`${dir}/package.json`), `${name}: ${dir}/package.json`).toBe(true);
      expect((JSON.parse(read(`${dir}/package.json`)) as Obj).name, name).toBe(pkg);
      if (args.PORT !== undefined) {
        expect(environment(name).PORT, name).toBe(String(args.PORT));
        expect([...containerPorts(name)], name).toContain(Number(args.PORT));
      }
    }
  });
});
