/**
 * npm run bench:nats-sync [-- --msgs=20000 --rounds=3]
 *
 * The cost of `sync_interval: always` (fsync before every acknowledgement): `nats bench js pub
 * async` against a server with the default interval and one with `always`, on one server (R1)
 * and on a 3-node loopback cluster (R3), rounds alternating, medians printed with the ratio.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  binaries,
  ensureInstalled,
  freePort,
  type SyncInterval,
  startNats,
  startNatsCluster,
  stopProcess,
} from '../src/index.js';

const run = promisify(execFile);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

interface Target {
  url: string;
  replicas: number;
  close(): Promise<void>;
}

async function single(dir: string, syncInterval?: SyncInterval): Promise<Target> {
  const server = await startNats({ dir, port: await freePort(), syncInterval });
  return { url: server.url, replicas: 1, close: () => stopProcess(server.pid) };
}

async function cluster(dir: string, syncInterval?: SyncInterval): Promise<Target> {
  const c = await startNatsCluster({ dir, syncInterval });
  return { url: c.url, replicas: 3, close: () => c.close() };
}

/** Messages per second of one `nats bench js pub async` run. */
async function bench(target: Target, msgs: number): Promise<number> {
  const { stdout, stderr } = await run(
    binaries().natsCli,
    [
      '-s',
      target.url,
      'bench',
      'js',
      'pub',
      'async',
      'bench.sync',
      '--create',
      '--purge',
      '--storage=file',
      `--replicas=${target.replicas}`,
      `--msgs=${msgs}`,
      '--size=256B',
      '--batch=256',
      '--dedup',
      '--no-progress',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const text = `${stdout}\n${stderr}`;
  const match = /([\d,]+) msgs\/sec/.exec(text);
  if (!match?.[1]) throw new Error(`no msgs/sec in nats bench output:\n${text}`);
  return Number(match[1].replaceAll(',', ''));
}

async function main(): Promise<void> {
  const args = new Map(
    process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=', 2) as [string, string]),
  );
  const msgs = Number(args.get('msgs') ?? 20_000);
  const rounds = Number(args.get('rounds') ?? 3);
  await ensureInstalled(['nats-server', 'nats']);
  const rows: string[] = [];
  for (const [topology, start] of [
    ['1 server, R1', single],
    ['3-node cluster, R3', cluster],
  ] as const) {
    const results: Record<'default' | 'always', number[]> = { default: [], always: [] };
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? (['default', 'always'] as const) : (['always', 'default'] as const);
      for (const mode of order) {
        const dir = mkdtempSync(join(tmpdir(), 'demo-bench-sync-'));
        const target = await start(dir, mode === 'always' ? 'always' : undefined);
        try {
          // A cluster just up may still time out creating the stream: one more try.
          results[mode].push(await bench(target, msgs).catch(() => bench(target, msgs)));
        } finally {
          await target.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    const base = median(results.default);
    const always = median(results.always);
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    rows.push(
      `| ${topology} | ${fmt(base)} (${results.default.map(fmt).join(', ')}) | ${fmt(always)} (${results.always.map(fmt).join(', ')}) | ${(always / base).toFixed(2)} |`,
    );
  }
  console.log(
    `\nnats bench js pub async, ${msgs} messages of 256 B, batch 256, dedup, file storage; median of ${rounds} rounds\n`,
  );
  console.log(
    '| topology | default (2 min) msgs/s (rounds) | `sync_interval: always` msgs/s (rounds) | always / default |',
  );
  console.log('| --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
