/**
 * npm run bench:http [-- --rounds 3 --duration 10s --warmup 2s --connections 32 --log-level info]
 *                    [--baseline <git-ref>] [--profile <dir>] [--variant <label>:KEY=VALUE,… …]
 *
 * What telemetry costs on the HTTP path: `GET /api/users/{id}` against user-service with
 * telemetry on (exporting OTLP to a local OpenTelemetry Collector) and against a second one with
 * OTEL_SDK_DISABLED=true, both running side by side on one PostgreSQL, NATS and collector, driven
 * closed-loop in alternating rounds. Prints req/s, p50/p99, server CPU per request and the
 * on / off ratio of each round (neighbours in time, on a shared machine).
 *
 * `--baseline <git-ref>`: that commit's tree is unpacked under .bench/ (git-ignored) and its
 * user-service runs too, on and off, in the same rounds: before/after in one run.
 * `--profile <dir>`: every server runs with `--cpu-prof`; the profiles are written to `<dir>`
 * and summarized (self time by package, hottest OpenTelemetry functions).
 * `--variant <label>:KEY=VALUE,…` (repeatable): one more telemetry-on server with that environment
 * added, e.g. `--variant no-logs:OTEL_LOGS_EXPORTER=none`, to see what one part costs.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ensureInstalled,
  freePort,
  missingComponents,
  provisionServiceDatabases,
  repoRoot,
  type ServerRecord,
  type ServiceProcess,
  startCollector,
  startNats,
  startPostgres,
  startService,
  stopProcess,
  uniqueName,
} from '@demo/infra';
import { request } from 'undici';
import { idOf, userBody } from '../src/bodies.js';
import { parseDuration } from '../src/config.js';
import { baselineTree } from './baseline-tree.js';
import { type CpuProfile, summarizeProfile } from './cpu-profile.js';
import { hammer } from './hammer.js';
import { type HttpRound, summarizeVariants, telemetryRatios } from './http-summary.js';
import { processSample } from './proc.js';
import { parseVariantSpec } from './variant-spec.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10s' },
    warmup: { type: 'string', default: '2s' },
    connections: { type: 'string', default: '32' },
    'log-level': { type: 'string', default: 'info' },
    baseline: { type: 'string' },
    profile: { type: 'string' },
    variant: { type: 'string', multiple: true, default: [] },
  },
});
const rounds = Number(values.rounds);
const durationMs = parseDuration(values.duration);
const warmupMs = parseDuration(values.warmup);
const connections = Number(values.connections);
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error(`--rounds: a positive integer, got ${values.rounds}`);
if (!Number.isInteger(connections) || connections < 1)
  throw new Error(`--connections: a positive integer, got ${values.connections}`);
const profileDir = values.profile ? resolve(values.profile) : undefined;

interface Variant {
  label: string;
  /** The checkout it runs from: this one, or the baseline's tree. */
  root: string | undefined;
  telemetry: boolean;
  env: Record<string, string>;
}

const log = (line: string) => process.stderr.write(`[bench:http] ${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadAtStart = load();

const baseline = values.baseline ? baselineTree(repoRoot, values.baseline) : undefined;
if (baseline)
  log(`baseline ${values.baseline} (${baseline.commit.slice(0, 12)}) unpacked in ${baseline.root}`);
const variants: Variant[] = [
  { label: 'on', root: undefined, telemetry: true, env: {} },
  { label: 'off', root: undefined, telemetry: false, env: {} },
  ...(baseline
    ? [
        { label: 'baseline on', root: baseline.root, telemetry: true, env: {} },
        { label: 'baseline off', root: baseline.root, telemetry: false, env: {} },
      ]
    : []),
  ...values.variant.map(parseVariantSpec).map((v) => ({ ...v, root: undefined, telemetry: true })),
];

const dir = await mkdtemp(join(tmpdir(), 'http-bench-'));
// PostgreSQL runs as its own user when we are root: it must be able to reach its folder.
chmodSync(dir, 0o755);
const servers: ServerRecord[] = [];
const running = new Map<string, { service: ServiceProcess; startupMs: number; served: number }>();
const results: HttpRound[] = [];
let failure: string | undefined;

try {
  const missing = missingComponents(['nats-server', 'otelcol']);
  if (missing.length > 0) await ensureInstalled(missing);
  log('starting nats-server, PostgreSQL and the collector on free ports');
  const [nats, postgres, collector] = await Promise.all([
    freePort().then((port) => startNats({ dir: join(dir, 'nats'), port })),
    freePort().then((port) => startPostgres({ dir: join(dir, 'postgres'), port })),
    freePort().then((port) => startCollector({ dir: join(dir, 'collector'), port, overlay: 'local' })),
  ]);
  servers.push(nats, postgres, collector);
  const database = uniqueName('bench_http_users').toLowerCase();
  const [databaseUrl = ''] = await provisionServiceDatabases(postgres.url, [
    { database, role: database, password: randomUUID() },
  ]);
  // As bench:saga runs them: the services' own export intervals, production mode.
  const env = {
    NATS_URL: nats.url,
    DATABASE_URL: databaseUrl,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_METRIC_EXPORT_INTERVAL: '10000',
    OTEL_BSP_SCHEDULE_DELAY: '1000',
    OTEL_BLRP_SCHEDULE_DELAY: '1000',
    LOG_LEVEL: values['log-level'],
    NODE_ENV: 'production',
  };
  for (const v of variants) {
    log(`starting user-service (${v.label})`);
    const profile = profileDir ? join(profileDir, v.label.replaceAll(' ', '-')) : undefined;
    if (profile) mkdirSync(profile, { recursive: true });
    const started = performance.now();
    const service = await startService({
      name: 'user-service',
      root: v.root,
      readyTimeoutMs: 120_000,
      env: {
        ...env,
        ...(v.telemetry ? {} : { OTEL_SDK_DISABLED: 'true' }),
        ...v.env,
        ...(profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profile}` } : {}),
      },
    });
    running.set(v.label, { service, startupMs: performance.now() - started, served: 0 });
  }

  const first = running.get('on')?.service.url ?? '';
  const created = await request(`${first}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(userBody(uniqueName('bench'), 0)),
  });
  const userId = idOf(await created.body.json(), 'userId');
  if (created.statusCode !== 201 || userId === undefined)
    throw new Error(`POST /api/users answered ${created.statusCode}`);

  log(
    `GET /api/users/{id}, ${connections} connections, ${rounds} rounds of ${durationMs / 1000}s per server (${warmupMs / 1000}s warm-up each)`,
  );
  for (let round = 1; round <= rounds; round++) {
    // Alternate the order each round so drift hits every server alike.
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const v of order) {
      const server = running.get(v.label);
      const service = server?.service;
      if (!server || !service?.child.pid) throw new Error(`user-service (${v.label}) is not running`);
      const url = `${service.url}/api/users/${userId}`;
      server.served += (await hammer(url, warmupMs, connections)).requests;
      const before = {
        server: processSample(service.child.pid).cpuSeconds,
        collector: processSample(collector.pid).cpuSeconds,
      };
      const wall = performance.now();
      const run = await hammer(url, durationMs, connections);
      server.served += run.requests;
      const seconds = (performance.now() - wall) / 1000;
      const serverCpu = processSample(service.child.pid).cpuSeconds - before.server;
      const collectorCpu = processSample(collector.pid).cpuSeconds - before.collector;
      results.push({
        label: v.label,
        round,
        run,
        serverCpuMsPerRequest: (serverCpu * 1000) / Math.max(run.requests, 1),
        collectorCpuPercent: (collectorCpu / seconds) * 100,
      });
      log(
        `round ${round} ${v.label.padEnd(12)} ${run.perSecond.toFixed(0)} req/s, p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, ${run.errors} errors`,
      );
    }
  }
} catch (error) {
  failure = error instanceof Error ? error.message : String(error);
  log(`failed: ${failure}`);
} finally {
  await Promise.all([...running.values()].map(({ service }) => service.stop()));
  await Promise.all(servers.map((s) => stopProcess(s.pid)));
  await rm(dir, { recursive: true, force: true });
}

const f = (n: number, d = 0) =>
  Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const summary = summarizeVariants(results);
const ratios = telemetryRatios(results, [
  ['on', 'off'],
  ['baseline on', 'baseline off'],
  ['on', 'baseline on'],
  ...variants
    .filter((v) => v.root === undefined && !['on', 'off'].includes(v.label))
    .map((v) => [v.label, 'off'] as const),
]);
const lines = [
  `http benchmark: ${new Date().toISOString()}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ` +
    `GET /api/users/{id}, ${connections} connections, ${rounds} × ${durationMs / 1000}s per server, LOG_LEVEL=${values['log-level']}` +
    `${baseline ? `, baseline ${values.baseline} (${baseline.commit.slice(0, 12)})` : ''}; load average ${loadAtStart} at the start, ${load()} at the end`,
  '',
  '| server | req/s | p50 ms | p99 ms | errors | server CPU ms/request | collector CPU % |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...summary.map(
    (s) =>
      `| ${s.label} | ${f(s.perSecond)} | ${f(s.p50, 1)} | ${f(s.p99, 1)} | ${s.errors} | ${f(s.serverCpuMsPerRequest, 3)} | ${f(s.collectorCpuPercent)} |`,
  ),
  '',
  ...ratios.map(
    (r) =>
      `${r.name}: ${f(r.median, 2)} req/s (rounds ${r.perRound.map((x) => f(x, 2)).join(', ')}); CPU per request ${f(r.cpuMedian, 2)}`,
  ),
];

if (profileDir) {
  for (const [label, { startupMs, served }] of running) {
    const folder = join(profileDir, label.replaceAll(' ', '-'));
    let files: string[] = [];
    try {
      files = readdirSync(folder).filter((n) => n.endsWith('.cpuprofile'));
    } catch {
      continue;
    }
    // The main thread's profile is the largest (the loader-hooks thread writes one too).
    const file = files.map((n) => join(folder, n)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
    if (!file) continue;
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const s = summarizeProfile(profile, { skipMs: startupMs });
    const otel = s.packages
      .filter((p) => p.name.startsWith('@opentelemetry/'))
      .reduce((a, p) => a + p.percent, 0);
    lines.push(
      '',
      `profile of ${label} (${file}): ${f(s.busyMs)} ms busy after start-up, ${f((s.busyMs * 1000) / Math.max(served, 1))} µs per request; @opentelemetry/* self time ${f(otel, 1)} % (${f((otel / 100) * ((s.busyMs * 1000) / Math.max(served, 1)))} µs per request)`,
      ...s.packages.slice(0, 15).map((p) => `  ${f(p.percent, 1).padStart(5)} %  ${p.name}`),
      '  hottest OpenTelemetry functions:',
      ...s.functions.map((p) => `  ${f(p.percent, 1).padStart(5)} %  ${p.name}`),
    );
  }
}
if (failure) lines.push('', `not complete: ${failure}`);
process.stdout.write(`${lines.join('\n')}\n`);
if (failure) process.exitCode = 1;
