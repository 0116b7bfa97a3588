/**
 * npm run bench:bus [-- --count 100000 --rounds 3 --modes raw,raw-ce,sdk-off] [--baseline <dir>] [--warmup <n>]
 *
 * `--warmup <n>`: every worker, whatever its mode, first publishes n untimed messages to a
 * subject the consume phase does not read (default 0: the timed messages are the process's
 * first, JIT warm-up included; the Go client has none).
 *
 * `--baseline <dir>`: another version of `packages/bus` (e.g. `git archive <commit> packages/bus`
 * unpacked inside the repository, so it resolves the same node_modules); its SDK modes run in the
 * same rounds, right after this version's, and show as `<mode> (baseline)`: before/after in one run.
 *
 * Publishes and consumes N messages (about 256 bytes, file storage, explicit acks) with raw
 * @nats-io/jetstream (bare, and with the CloudEvents headers of the wire format) and with
 * @demo/bus in three tracing setups, alternating the modes round
 * after round in fresh processes, then prints the medians and the ratio of each SDK mode to raw.
 * Servers: NATS_URL / OTEL_EXPORTER_OTLP_ENDPOINT if set, else a local nats-server and collector.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import {
  binaries,
  ensureInstalled,
  freePort,
  type ServerRecord,
  startCollector,
  startNats,
  stopProcess,
} from '@demo/infra';
import type { Mode } from './worker.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    modes: { type: 'string', default: 'raw,raw-ce,sdk-off,sdk-unsampled,sdk-sampled' },
    baseline: { type: 'string' },
    warmup: { type: 'string', default: '0' },
  },
});
const baselineWorker = values.baseline ? resolve(values.baseline, 'bench', 'worker.ts') : undefined;
if (baselineWorker && !existsSync(baselineWorker)) throw new Error(`--baseline: no ${baselineWorker}`);
const count = Number(values.count);
const rounds = Number(values.rounds);
const warmup = Number(values.warmup);
const ALL_MODES: readonly Mode[] = ['raw', 'raw-ce', 'sdk-off', 'sdk-unsampled', 'sdk-sampled'];
const modes = values.modes.split(',').map((m) => m.trim()) as Mode[];
const unknownModes = modes.filter((m) => !ALL_MODES.includes(m));
if (unknownModes.length > 0 || !modes.includes('raw') || !modes.includes('raw-ce')) {
  throw new Error(`--modes takes raw, raw-ce and any of ${ALL_MODES.join(', ')}; got ${values.modes}`);
}

interface Result {
  /** The mode, or `<mode> (baseline)` for the baseline's run of it. */
  mode: string;
  publishRate: number;
  publishP50Ms: number;
  publishP99Ms: number;
  consumeRate: number;
  peakRssMiB: number;
}

/** Only what is measured: a nats-server, and the collector the traced modes export to. */
let servers: ServerRecord[] = [];
let dir: string | undefined;
let env: Record<string, string> = {};
if (process.env.NATS_URL && process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  env = {
    NATS_URL: process.env.NATS_URL,
    OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
  };
} else {
  await ensureInstalled(['nats-server', 'otelcol']);
  const root = mkdtempSync(join(tmpdir(), 'bus-bench-'));
  dir = root;
  servers = await Promise.all([
    startNats({ dir: join(root, 'nats'), port: await freePort() }),
    startCollector({ dir: join(root, 'collector'), port: await freePort(), overlay: 'local' }),
  ]);
  const url = (name: ServerRecord['name']) => servers.find((s) => s.name === name)?.url ?? '';
  env = { NATS_URL: url('nats'), OTEL_EXPORTER_OTLP_ENDPOINT: url('collector') };
}

/** Longest a `nats bench` step may take before its round's Go figure is given up. */
const GO_TIMEOUT_MS = 180_000;

/** The median of the finite values (a failed Go round is NaN). */
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** The Go client on the same server, as the ceiling: `nats bench` (the pinned CLI), medians of the rounds. */
interface GoResult {
  pubAsync: number;
  pubFast: number;
  consume: number;
}
const goRuns: GoResult[] = [];
async function natsBench(round: number): Promise<GoResult> {
  const cli = binaries().natsCli;
  const stream = `GOBENCH${round}`;
  const server = ['-s', env.NATS_URL ?? ''];
  const rate = (out: string) =>
    Number(/([\d,]+) msgs\/sec/.exec(out)?.[1]?.replaceAll(',', '') ?? Number.NaN);
  const common = ['--msgs', String(count), '--size', '256B', '--stream', stream, '--no-progress'];
  const pub = await run(
    cli,
    [
      ...server,
      'bench',
      'js',
      'pub',
      'async',
      `${stream.toLowerCase()}.x`,
      '--create',
      '--purge',
      '--storage',
      'file',
      '--batch',
      '256',
      '--dedup',
      ...common,
    ],
    { maxBuffer: 1 << 20, timeout: GO_TIMEOUT_MS },
  ).catch((error: unknown) => {
    process.stderr.write(`round ${round} nats bench js pub async failed: ${String(error).split('\n')[0]}\n`);
    return { stdout: '' };
  });
  // A Go run that hangs (seen once under heavy load: its consumer never started) costs that
  // round's Go figure, not the whole benchmark.
  const consume = await run(cli, [...server, 'bench', 'js', 'consume', '--batch', '128', ...common], {
    maxBuffer: 1 << 20,
    timeout: GO_TIMEOUT_MS,
  }).catch((error: unknown) => {
    process.stderr.write(`round ${round} nats bench js consume failed: ${String(error).split('\n')[0]}\n`);
    return { stdout: '' };
  });
  const fast = await run(
    cli,
    [
      ...server,
      'bench',
      'js',
      'pub',
      'fast',
      `${stream.toLowerCase()}.x`,
      '--purge',
      '--storage',
      'file',
      ...common,
    ],
    { maxBuffer: 1 << 20, timeout: GO_TIMEOUT_MS },
  ).catch((error: unknown) => ({ stdout: String(error) }));
  await run(cli, [...server, 'stream', 'rm', '-f', stream]).catch(() => undefined);
  return { pubAsync: rate(pub.stdout), consume: rate(consume.stdout), pubFast: rate(fast.stdout) };
}

const results: Result[] = [];
try {
  await ensureInstalled(['nats']);
  for (let round = 1; round <= rounds; round++) {
    // Alternate the order each round so drift (page cache, server state) hits every mode alike.
    const order = round % 2 === 1 ? modes : [...modes].reverse();
    for (const mode of order) {
      const runs: { label: string; worker: string }[] = [
        { label: mode, worker: join(import.meta.dirname, 'worker.ts') },
      ];
      if (baselineWorker && mode.startsWith('sdk'))
        runs.push({ label: `${mode} (baseline)`, worker: baselineWorker });
      for (const { label, worker } of runs) {
        const { stdout } = await run(
          process.execPath,
          ['--import', 'tsx', '--conditions=@demo/source', worker],
          {
            env: {
              ...process.env,
              ...env,
              BENCH_MODE: mode,
              BENCH_COUNT: String(count),
              BENCH_WARMUP: String(warmup),
              NODE_ENV: 'production',
            },
            maxBuffer: 1 << 20,
          },
        );
        const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Result;
        result.mode = label;
        results.push(result);
        process.stderr.write(
          `round ${round} ${label.padEnd(14)} publish ${result.publishRate.toFixed(0)}/s consume ${result.consumeRate.toFixed(0)}/s\n`,
        );
      }
    }
    const go = await natsBench(round);
    goRuns.push(go);
    process.stderr.write(
      `round ${round} nats bench      pub async ${go.pubAsync.toFixed(0)}/s pub fast ${go.pubFast.toFixed(0)}/s consume ${go.consume.toFixed(0)}/s\n`,
    );
  }
} finally {
  await Promise.all(servers.map((s) => stopProcess(s.pid)));
  if (dir) rmSync(dir, { recursive: true, force: true });
}

const labels = modes.flatMap((mode) =>
  baselineWorker && mode.startsWith('sdk') ? [mode, `${mode} (baseline)`] : [mode],
);
const summary = labels.map((mode) => {
  const mine = results.filter((r) => r.mode === mode);
  return {
    mode,
    publish: median(mine.map((r) => r.publishRate)),
    p50: median(mine.map((r) => r.publishP50Ms)),
    p99: median(mine.map((r) => r.publishP99Ms)),
    consume: median(mine.map((r) => r.consumeRate)),
    rss: Math.max(...mine.map((r) => r.peakRssMiB)),
  };
});
const raw = summary.find((s) => s.mode === 'raw')!;
const rawCe = summary.find((s) => s.mode === 'raw-ce')!;
const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const lines = [
  `bus benchmark: ${fmt(count)} messages of ~256 B, file storage, explicit acks, ${rounds} rounds (medians), ` +
    `node ${process.version}, ${cpus().length} cores` +
    (warmup > 0 ? `, each worker warmed up with ${fmt(warmup)} untimed publishes` : ''),
  '',
  '| mode | publish msg/s | publish p50 ms | publish p99 ms | consume msg/s | peak RSS MiB | publish / raw | consume / raw | publish / raw-ce | consume / raw-ce |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...summary.map(
    (s) =>
      `| ${s.mode} | ${fmt(s.publish)} | ${fmt(s.p50, 2)} | ${fmt(s.p99, 2)} | ${fmt(s.consume)} | ${fmt(s.rss)} | ` +
      `${fmt(s.publish / raw.publish, 2)} | ${fmt(s.consume / raw.consume, 2)} | ` +
      `${fmt(s.publish / rawCe.publish, 2)} | ${fmt(s.consume / rawCe.consume, 2)} |`,
  ),
];
const go = {
  pubAsync: median(goRuns.map((g) => g.pubAsync)),
  pubFast: median(goRuns.map((g) => g.pubFast)),
  consume: median(goRuns.map((g) => g.consume)),
};
lines.push(
  '',
  `Go client on the same server (\`nats bench\`, pinned CLI, ${fmt(count)} × 256 B, file storage): ` +
    `js pub async --batch 256 --dedup ${fmt(go.pubAsync)} msg/s, js pub fast (batch publish) ${fmt(go.pubFast)} msg/s, js consume --batch 128 ${fmt(go.consume)} msg/s`,
  '',
  '| mode | publish / Go async | consume / Go consume |',
  '| --- | ---: | ---: |',
  ...summary.map(
    (s) => `| ${s.mode} | ${fmt(s.publish / go.pubAsync, 2)} | ${fmt(s.consume / go.consume, 2)} |`,
  ),
);
// The tracing targets: each traced mode against tracing off of the same code, same run.
const tracingRows = ['', ' (baseline)'].flatMap((suffix) => {
  const off = summary.find((s) => s.mode === `sdk-off${suffix}`);
  if (!off) return [];
  return ['sdk-unsampled', 'sdk-sampled'].flatMap((mode) => {
    const traced = summary.find((s) => s.mode === `${mode}${suffix}`);
    return traced
      ? [
          `| ${traced.mode} | ${fmt(traced.publish / off.publish, 2)} | ${fmt(traced.consume / off.consume, 2)} |`,
        ]
      : [];
  });
});
if (tracingRows.length > 0) {
  lines.push('', '| mode | publish / sdk-off | consume / sdk-off |', '| --- | ---: | ---: |', ...tracingRows);
}
process.stdout.write(`${lines.join('\n')}\n`);
