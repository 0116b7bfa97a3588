/**
 * npm run bench:saga [-- --rates 25,50,100,200 --step 30s --settle 30s --http 15s --connections 32]
 *
 * Starts the local stack on free ports (nats-server, PostgreSQL, FerretDB, the collector) and
 * the three services (telemetry on, exporting to that collector), then drives open-loop orders
 * at each rate of the ladder for a fixed time with the load generator, which follows every
 * order to its terminal state on NATS. Per rate it reports HTTP p50/p99, POST→terminal
 * p50/p95/p99, orders still pending after the settle window, the outbox backlog peak of each
 * service and each service's CPU and peak RSS; then the knee (the highest rate with
 * POST→terminal p99 < 250 ms and nothing pending). In the same run: `GET /api/users/{id}`
 * req/s against user-service with telemetry on and with OTEL_SDK_DISABLED=true.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ensureInstalled,
  missingComponents,
  mongoServiceEnv,
  provisionServiceDatabases,
  type ServiceProcess,
  type Stack,
  stackEnv,
  startService,
  startStack,
  stopStack,
  uniqueName,
} from '@demo/infra';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { request } from 'undici';
import { idOf, userBody } from '../src/bodies.js';
import { loadConfig, parseDuration } from '../src/config.js';
import { type Report, runLoad } from '../src/loadgen.js';
import { type CpuProfile, summarizeProfile } from './cpu-profile.js';
import { type HammerRun, hammer } from './hammer.js';
import { machineCpuSeconds, processSample, treeCpuSeconds } from './proc.js';
import {
  commandsPerOrder,
  counterDelta,
  perOrderRows,
  readFerretDbCommands,
  readStorageCounters,
  type StorageCounters,
} from './storage-stats.js';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '25,50,100,200' },
    step: { type: 'string', default: '30s' },
    settle: { type: 'string', default: '30s' },
    http: { type: 'string', default: '15s' },
    connections: { type: 'string', default: '32' },
    /** Head sampling of the traces the load starts (`parentbased_traceidratio`); default every trace (the SDK's default). */
    'trace-ratio': { type: 'string' },
    /** Every service runs with `--cpu-prof`, its profile written to `<dir>/<service>`; the summary by package goes under the table. */
    profile: { type: 'string' },
  },
});
const rates = values.rates.split(',').map(Number);
if (rates.some((r) => !Number.isFinite(r) || r <= 0))
  throw new Error(`--rates: positive numbers, got ${values.rates}`);
const stepMs = parseDuration(values.step);
const settleMs = parseDuration(values.settle);
const httpMs = parseDuration(values.http);
const connections = Number(values.connections);
const profileDir = values.profile ? resolve(values.profile) : undefined;
const traceRatio = values['trace-ratio'] === undefined ? undefined : Number(values['trace-ratio']);
if (traceRatio !== undefined && !(traceRatio >= 0 && traceRatio <= 1))
  throw new Error(`--trace-ratio: a number from 0 to 1, got ${values['trace-ratio']}`);

const SERVICES = ['user-service', 'order-service', 'inventory-service'] as const;
type ServiceName = (typeof SERVICES)[number];
const KNEE_P99_MS = 250;

interface StepResult {
  rate: number;
  report: Report;
  backlogPeak: Record<ServiceName, number>;
  cpuPercent: Record<ServiceName, number>;
  rssPeakMiB: Record<ServiceName, number>;
  /** CPU % of the servers the stack runs, each with its child processes (PostgreSQL's backends). */
  serverCpu: Record<string, number>;
  /** CPU % of the whole machine, all cores (100 × cores is every core busy). */
  machineCpu: number;
  /** What FerretDB's PostgreSQL did per table over the step and its settle time (FerretDB on PostgreSQL only). */
  storage?: StorageCounters;
  /** FerretDB's commands per order accepted, over the step and its settle time. */
  commands?: string;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
/** The machine is shared: its load average (1, 5, 15 min) beside the figures. */
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const loadAtStart = load();
const dir = await mkdtemp(join(tmpdir(), 'saga-bench-'));
let stack: Stack | undefined;
const services = new Map<ServiceName, ServiceProcess>();
const closers: Array<() => Promise<unknown>> = [];
const results: StepResult[] = [];
let httpResult: { on: HammerRun; off: HammerRun } | undefined;
let httpError: string | undefined;

/** GET /api/users/{id} req/s on the running user-service (telemetry on) and on a second one with OTEL_SDK_DISABLED=true. */
async function compareTelemetry(
  userServiceUrl: string,
  userEnv: Record<string, string>,
): Promise<{ on: HammerRun; off: HammerRun }> {
  const userRes = await request(`${userServiceUrl}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(userBody(uniqueName('bench'), 0)),
  });
  const userId = idOf(await userRes.body.json(), 'userId');
  if (userRes.statusCode !== 201 || userId === undefined)
    throw new Error(`POST /api/users answered ${userRes.statusCode}`);
  const user = { id: userId };
  const off = await startService({
    name: 'user-service',
    env: { ...userEnv, OTEL_SDK_DISABLED: 'true' },
    readyTimeoutMs: 120_000,
  });
  closers.push(() => off.stop());
  log(
    `[bench:saga] GET /api/users/{id}, ${connections} connections, ${httpMs / 1000}s each: telemetry on, then off`,
  );
  await hammer(`${userServiceUrl}/api/users/${user.id}`, 2_000, connections); // warm-up
  const on = await hammer(`${userServiceUrl}/api/users/${user.id}`, httpMs, connections);
  await hammer(`${off.url}/api/users/${user.id}`, 2_000, connections);
  const offRun = await hammer(`${off.url}/api/users/${user.id}`, httpMs, connections);
  return { on, off: offRun };
}

try {
  // Only what is missing: a collector already built is used as it is (no rebuild check here).
  const missing = missingComponents(['nats-server', 'ferretdb', 'otelcol']);
  if (missing.length > 0) await ensureInstalled(missing);
  log('[bench:saga] starting the local stack on free ports');
  stack = await startStack({ dir, ports: 'ephemeral', overlay: 'local' });
  const servers = stackEnv(stack);
  Object.assign(process.env, { DATABASE_URL: servers.DATABASE_URL });
  const databases = {
    users: uniqueName('bench_users').toLowerCase(),
    inventory: uniqueName('bench_inventory').toLowerCase(),
  };
  // Each service connects as the role that owns its database (no superuser), as it is deployed.
  const [usersUrl = '', inventoryUrl = ''] = await provisionServiceDatabases(
    servers.DATABASE_URL ?? '',
    Object.values(databases).map((name) => ({ database: name, role: name, password: randomUUID() })),
  );
  const dbUrl = (name: string) => (name === databases.users ? usersUrl : inventoryUrl);
  const orderDb = uniqueName('bench_orders');
  const mongoEnv = (service: 'order-service' | 'inventory-service') =>
    mongoServiceEnv(servers.MONGODB_URL ?? '', servers.MONGODB_SERVICE_USERS, service);
  const common = {
    NATS_URL: servers.NATS_URL ?? '',
    OTEL_EXPORTER_OTLP_ENDPOINT: servers.OTEL_EXPORTER_OTLP_ENDPOINT ?? '',
    // The service defaults for export intervals, not the tests' short ones; warnings only on stdout.
    OTEL_METRIC_EXPORT_INTERVAL: '10000',
    OTEL_BSP_SCHEDULE_DELAY: '1000',
    OTEL_BLRP_SCHEDULE_DELAY: '1000',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ...(traceRatio === undefined
      ? {}
      : { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(traceRatio) }),
  };
  const env: Record<ServiceName, Record<string, string>> = {
    'user-service': { ...common, DATABASE_URL: dbUrl(databases.users) },
    // Each service as its own MongoDB user too (FerretDB on PostgreSQL); the backlog reads as the admin.
    'order-service': { ...common, ...mongoEnv('order-service'), MONGODB_DATABASE: orderDb },
    'inventory-service': {
      ...common,
      DATABASE_URL: dbUrl(databases.inventory),
      ...mongoEnv('inventory-service'),
      MONGODB_DATABASE: uniqueName('bench_inventory'),
    },
  };
  for (const name of SERVICES) {
    if (profileDir) {
      mkdirSync(join(profileDir, name), { recursive: true });
      env[name].NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${join(profileDir, name)}`;
    }
    log(`[bench:saga] starting ${name}`);
    services.set(name, await startService({ name, env: env[name], readyTimeoutMs: 120_000 }));
  }
  const url = (name: ServiceName) => services.get(name)?.url ?? '';
  const pidOf = (name: ServiceName) => services.get(name)?.child.pid ?? 0;

  // Outbox backlogs, read the way each service keeps them.
  const mongo = await new MongoClient(servers.MONGODB_URL ?? '').connect();
  closers.push(() => mongo.close());
  const pools = {
    users: new pg.Pool({ connectionString: dbUrl(databases.users), max: 1 }),
    inventory: new pg.Pool({ connectionString: dbUrl(databases.inventory), max: 1 }),
  };
  closers.push(
    () => pools.users.end(),
    () => pools.inventory.end(),
  );
  const pgBacklog = async (pool: pg.Pool) =>
    Number((await pool.query('select count(*) as n from outbox where published_at is null')).rows[0]?.n ?? 0);
  // FerretDB's PostgreSQL, where the documents' rows are read and written (none on SQLite).
  const backendUrl = stack.servers.find((x) => x.name === 'mongodb')?.extra.backendUrl;
  const storagePool = backendUrl ? new pg.Pool({ connectionString: backendUrl, max: 1 }) : undefined;
  if (storagePool) closers.push(() => storagePool.end());
  const storageCounters = async () => (storagePool ? readStorageCounters(storagePool) : undefined);
  const debugUrl = stack.servers.find((x) => x.name === 'mongodb')?.extra.debugUrl;
  const ferretDbCommands = async () => (debugUrl ? readFerretDbCommands(debugUrl) : undefined);
  const backlogs = async (): Promise<Record<ServiceName, number>> => ({
    'user-service': await pgBacklog(pools.users),
    'order-service': await mongo.db(orderDb).collection('outbox').countDocuments({}),
    'inventory-service': await pgBacklog(pools.inventory),
  });

  // First, on idle services: GET /api/users/{id} with telemetry on against a second user-service with the SDK off.
  try {
    httpResult = await compareTelemetry(url('user-service'), env['user-service']);
  } catch (error) {
    httpError = error instanceof Error ? error.message.split('\n')[0] : String(error);
    log(`[bench:saga] the telemetry comparison failed: ${httpError}`);
  }

  for (const rate of rates) {
    log(`[bench:saga] ${rate} orders/s for ${stepMs / 1000}s, then up to ${settleMs / 1000}s to settle`);
    const backlogPeak: Record<ServiceName, number> = {
      'user-service': 0,
      'order-service': 0,
      'inventory-service': 0,
    };
    const rssPeakMiB: Record<ServiceName, number> = {
      'user-service': 0,
      'order-service': 0,
      'inventory-service': 0,
    };
    const cpuBefore = Object.fromEntries(SERVICES.map((s) => [s, processSample(pidOf(s)).cpuSeconds]));
    // FerretDB's own PostgreSQL (its PostgreSQL backend) shows as "ferretdb-storage".
    const serverPids = (stack?.servers ?? []).flatMap((x) => {
      const backendPid = Number(x.extra.backendPid ?? 0);
      return backendPid > 0 ? [x, { name: `${x.name}-storage`, pid: backendPid }] : [x];
    });
    const serverCpuBefore = serverPids.map((x) => treeCpuSeconds(x.pid));
    const machineBefore = machineCpuSeconds();
    const storageBefore = await storageCounters();
    const commandsBefore = await ferretDbCommands();
    const wallBefore = performance.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          const b = await backlogs();
          for (const s of SERVICES) {
            backlogPeak[s] = Math.max(backlogPeak[s], b[s]);
            rssPeakMiB[s] = Math.max(rssPeakMiB[s], processSample(pidOf(s)).rssMiB);
          }
        } catch (error) {
          log(`[bench:saga] sample failed: ${(error as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const config = loadConfig(
      [
        '--rate',
        String(rate),
        '--duration',
        `${stepMs}ms`,
        '--saga-settle',
        `${settleMs}ms`,
        '--concurrency',
        '256',
        '--nats-url',
        servers.NATS_URL ?? '',
        '--progress',
        '10s',
      ],
      {
        USER_SERVICE_URL: url('user-service'),
        ORDER_SERVICE_URL: url('order-service'),
        INVENTORY_SERVICE_URL: url('inventory-service'),
      },
    );
    const report = await runLoad(config, { log });
    sampling = false;
    await sampler;
    const wallSeconds = (performance.now() - wallBefore) / 1000;
    const cpuPercent = Object.fromEntries(
      SERVICES.map((s) => [
        s,
        ((processSample(pidOf(s)).cpuSeconds - (cpuBefore[s] ?? 0)) / wallSeconds) * 100,
      ]),
    ) as Record<ServiceName, number>;
    const serverCpu = Object.fromEntries(
      serverPids.map((x, i) => [
        x.name,
        ((treeCpuSeconds(x.pid) - (serverCpuBefore[i] ?? 0)) / wallSeconds) * 100,
      ]),
    );
    const machineCpu = ((machineCpuSeconds().busy - machineBefore.busy) / wallSeconds) * 100;
    const storageAfter = await storageCounters();
    const storage = storageBefore && storageAfter ? counterDelta(storageBefore, storageAfter) : undefined;
    const commandsAfter = await ferretDbCommands();
    const accepted = report.orders.byStatus['201'] ?? 0;
    const commands =
      commandsBefore && commandsAfter ? commandsPerOrder(commandsBefore, commandsAfter, accepted) : undefined;
    results.push({
      rate,
      report,
      backlogPeak,
      cpuPercent,
      rssPeakMiB,
      serverCpu,
      machineCpu,
      storage,
      commands,
    });
    if (report.orders.errors > 0 || report.saga.pending > 0) {
      for (const name of SERVICES)
        log(`--- ${name}, last output ---\n${services.get(name)?.output().slice(-1500) ?? ''}`);
    }
    const s = report.saga;
    log(
      `[bench:saga] ${rate}/s: http p99 ${report.orders.p99.toFixed(0)} ms, saga p99 ${s.p99.toFixed(0)} ms, pending ${s.pending}, order-service backlog peak ${backlogPeak['order-service']}`,
    );
  }
} finally {
  for (const close of closers.reverse())
    await close().catch((e: unknown) => log(`[bench:saga] close: ${String(e)}`));
  await Promise.all([...services.values()].map((s) => s.stop()));
  if (stack) await stopStack(stack);
  await rm(dir, { recursive: true, force: true });
}

const f = (n: number, d = 0) =>
  Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const knee = results
  .filter(
    (r) => r.report.saga.p99 < KNEE_P99_MS && r.report.saga.pending === 0 && r.report.orders.errors === 0,
  )
  .map((r) => r.rate)
  .reduce((a, b) => Math.max(a, b), 0);
const lines = [
  `saga benchmark: ${new Date().toISOString()}, node ${process.version}, ${stack?.servers.find((x) => x.name === 'mongodb')?.extra.backend ?? 'MongoDB'}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${f(totalmem() / 2 ** 30)} GiB; ` +
    `${stepMs / 1000}s a rate, settle up to ${settleMs / 1000}s; ${traceRatio === undefined ? 'every trace sampled' : `traces sampled at ${traceRatio} (parentbased_traceidratio)`}; load average ${loadAtStart} at the start, ${load()} at the end`,
  '',
  '| orders/s offered | achieved | HTTP p50 ms | HTTP p99 ms | errors | POST→terminal p50 ms | p95 ms | p99 ms | pending after settle | outbox backlog peak (user/order/inventory) | CPU % (user/order/inventory) | peak RSS MiB (user/order/inventory) |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |',
  ...results.map((r) => {
    const s = r.report.saga;
    const per = (m: Record<ServiceName, number>, d = 0) => SERVICES.map((k) => f(m[k], d)).join(' / ');
    return `| ${r.rate} | ${f(r.report.achievedRate, 1)} | ${f(r.report.orders.p50, 1)} | ${f(r.report.orders.p99, 1)} | ${r.report.orders.errors} | ${f(s.p50, 1)} | ${f(s.p95, 1)} | ${f(s.p99, 1)} | ${s.pending} | ${per(r.backlogPeak)} | ${per(r.cpuPercent)} | ${per(r.rssPeakMiB)} |`;
  }),
  '',
  `CPU % of the servers per rate (each with its child processes), and of the whole machine (${cpus().length * 100} % is every core busy, the benchmark itself included): ${results
    .map(
      (r) =>
        `${r.rate}/s ${Object.entries(r.serverCpu)
          .map(([k, v]) => `${k.replace('mongodb', 'ferretdb')} ${f(v)}`)
          .join(', ')}, machine ${f(r.machineCpu)}`,
    )
    .join('; ')}`,
  '',
  ...results.flatMap((r) =>
    r.storage
      ? [
          '',
          `FerretDB's PostgreSQL at ${r.rate}/s, per order accepted (${r.report.orders.byStatus['201'] ?? 0}), over the step and its settle time; busiest first:`,
          '',
          '| database.collection | seq scans | rows read by seq scans | index scans | rows fetched by index | rows written | dead rows at the end |',
          '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
          ...perOrderRows(r.storage, r.report.orders.byStatus['201'] ?? 0),
          ...(r.commands
            ? [
                '',
                `FerretDB commands per order at ${r.rate}/s (the benchmark's own reads included): ${r.commands}`,
              ]
            : []),
        ]
      : [],
  ),
  '',
  `knee (highest rate with POST→terminal p99 < ${KNEE_P99_MS} ms, no error and nothing pending): ${knee > 0 ? `${knee} orders/s` : 'none of the rates'}`,
];
if (httpResult) {
  const { on, off } = httpResult;
  lines.push(
    '',
    `GET /api/users/{id}, ${connections} connections, ${httpMs / 1000}s: telemetry on ${f(on.perSecond)} req/s (p50 ${f(on.p50, 1)} ms, p99 ${f(on.p99, 1)} ms, ${on.errors} errors); ` +
      `OTEL_SDK_DISABLED=true ${f(off.perSecond)} req/s (p50 ${f(off.p50, 1)} ms, p99 ${f(off.p99, 1)} ms, ${off.errors} errors); ` +
      `on / off = ${f(on.perSecond / off.perSecond, 2)} (telemetry costs ${f((1 - on.perSecond / off.perSecond) * 100)} % of req/s)`,
  );
}
if (httpError) lines.push('', `GET /api/users/{id} telemetry on/off: not measured (${httpError})`);
for (const name of profileDir ? SERVICES : []) {
  const folder = join(profileDir ?? '', name);
  // The main thread's profile is the largest (the loader-hooks thread writes one too).
  const file = readdirSync(folder)
    .filter((n) => n.endsWith('.cpuprofile'))
    .map((n) => join(folder, n))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!file) continue;
  const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, {
    focus: (pkg) => !pkg.startsWith('('),
  });
  lines.push(
    '',
    `profile of ${name} (${file}), the whole run: ${f(s.busyMs)} ms busy; self time by package, then the hottest functions:`,
    ...s.packages.slice(0, 15).map((p) => `  ${f(p.percent, 1).padStart(5)} %  ${p.name}`),
    ...s.functions.map((p) => `  ${f(p.percent, 1).padStart(5)} %  ${p.name}`),
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
if (httpError) process.exitCode = 1;
