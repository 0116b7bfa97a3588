/**
 * npm run bench:reserve [-- --concurrency 8 --skus 4 --lines 2 --duration 10s --rounds 3 --variants before,after,unpipelined]
 *
 * Reservations against a real PostgreSQL (started here on a free port, `fsync=off` as in the
 * tests), the service's repository called directly: no NATS, no HTTP, no telemetry. Each round
 * stocks `skus` fresh hot SKUs with more than can be reserved, then runs `concurrency` workers
 * (the service handles 8 `orders.created` at once) that reserve orders of `lines` distinct hot
 * SKUs back to back for `duration`; then releases what they reserved, with as many workers. The
 * variants alternate within every round, on the same database:
 * - `before`: the path as it was, one statement per step (`bench/before.ts`);
 * - `after`: `ReservationRepository` on the service's pool: the lock (with the look for a
 *   reservation) and one write, `begin` pipelined with the lock and `commit` with the write;
 * - `unpipelined`: the same repository on a pool without pipeline mode (the same statements,
 *   each its own round trip), to tell the two changes apart.
 * Prints per variant the medians over rounds of reservations/s, releases/s, latency p50/p99 and
 * the CPU time a reservation costs this process and the PostgreSQL server.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { OrderCreatedData } from '@demo/contracts';
import {
  freePort,
  provisionServiceDatabases,
  type ServerRecord,
  startPostgres,
  stopProcess,
} from '@demo/infra';
import pg from 'pg';
import { connectPostgres, type Postgres } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { ReservationRepository } from '../src/db/reservation-repository.js';
import { ReservationRepositoryBefore } from './before.js';

const VARIANTS = ['before', 'after', 'unpipelined'] as const;
type Variant = (typeof VARIANTS)[number];

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '8' },
    skus: { type: 'string', default: '4' },
    lines: { type: 'string', default: '2' },
    duration: { type: 'string', default: '10s' },
    rounds: { type: 'string', default: '3' },
    variants: { type: 'string', default: 'before,after,unpipelined' },
  },
});
const concurrency = Number(values.concurrency);
const hotSkus = Number(values.skus);
const lines = Number(values.lines);
const durationMs = Number(/^(\d+)s$/.exec(values.duration)?.[1] ?? Number.NaN) * 1000;
const rounds = Number(values.rounds);
const variants = values.variants.split(',').map((v) => v.trim()) as Variant[];
if (variants.some((v) => !VARIANTS.includes(v))) throw new Error(`--variants: any of ${VARIANTS.join(', ')}`);
if (![concurrency, hotSkus, lines, durationMs, rounds].every((n) => Number.isInteger(n) && n > 0))
  throw new Error('--concurrency, --skus, --lines, --rounds: positive integers; --duration: <n>s');
if (lines > hotSkus)
  throw new Error('--lines cannot exceed --skus (the lines of an order are distinct SKUs)');

const log = (line: string) => process.stderr.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/**
 * CPU seconds of the PostgreSQL server, from /proc: the postmaster's own and that of the
 * children it has reaped (backends that ended), plus every child still running.
 */
function postgresCpuSeconds(postmaster: number): number {
  const fieldsOf = (pid: string) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  };
  const own = fieldsOf(String(postmaster));
  // utime, stime, cutime, cstime: fields 14 to 17 of stat(5), here 11 to 14.
  let ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(own[i]), 0);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = fieldsOf(entry);
      if (Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

interface Phase {
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU milliseconds per operation: this process, and the PostgreSQL server. */
  nodeCpuMs: number;
  postgresCpuMs: number;
  count: number;
}

/** `concurrency` workers doing what `next` hands out, back to back, until it hands out nothing. */
async function phase(postmaster: number, next: () => (() => Promise<unknown>) | undefined): Promise<Phase> {
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const pgCpu = postgresCpuSeconds(postmaster);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let work = next(); work; work = next()) {
        const t = performance.now();
        await work();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const count = latencies.length;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: (count * 1000) / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    nodeCpuMs: (used.user + used.system) / 1000 / count,
    postgresCpuMs: ((postgresCpuSeconds(postmaster) - pgCpu) * 1000) / count,
    count,
  };
}

function orderOf(skus: readonly string[]): OrderCreatedData {
  const picked = [...skus].sort(() => Math.random() - 0.5).slice(0, lines);
  return {
    orderId: randomUUID(),
    userId: randomUUID(),
    items: picked.map((sku) => ({ sku, quantity: 1, unitPrice: null })),
    currency: 'EUR',
    createdAt: new Date().toISOString(),
  };
}

const dir = await mkdtemp(join(tmpdir(), 'reserve-bench-'));
let server: ServerRecord | undefined;
let postgres: Postgres | undefined;
let plainPool: pg.Pool | undefined;
const results = new Map<Variant, { reserve: Phase[]; release: Phase[] }>(
  variants.map((v) => [v, { reserve: [], release: [] }]),
);
const loadAtStart = load();
try {
  server = await startPostgres({ dir, port: await freePort() });
  const name = 'reserve_bench';
  const [url = ''] = await provisionServiceDatabases(server.url, [
    { database: name, role: name, password: randomUUID() },
  ]);
  postgres = connectPostgres(url, (error) => log(`[bench:reserve] idle client: ${error.message}`));
  await runMigrations(postgres.pool);
  plainPool = new pg.Pool({ connectionString: url, max: 16 });
  const noEvents = () => {};
  const repos = {
    before: new ReservationRepositoryBefore(postgres.db, noEvents),
    after: new ReservationRepository(postgres.pool, noEvents),
    unpipelined: new ReservationRepository(plainPool, noEvents),
  };
  log(
    `[bench:reserve] ${concurrency} workers, ${hotSkus} hot SKUs, ${lines} lines an order, ${durationMs / 1000}s a phase, ${rounds} rounds: ${variants.join(', ')}`,
  );
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants) {
      const skus = Array.from({ length: hotSkus }, (_, i) => `HOT-${round}-${variant.toUpperCase()}-${i}`);
      await postgres.pool.query(
        `insert into inventory_items (sku, name, available, unit_price)
         select sku, sku, 100000000, 1.5 from unnest($1::text[]) as sku`,
        [skus],
      );
      const reserved: string[] = [];
      const until = performance.now() + durationMs;
      const reserve = async () => {
        const order = orderOf(skus);
        const outcome = await repos[variant].reserve(order);
        if (outcome.outcome !== 'reserved') throw new Error(`${variant}: ${JSON.stringify(outcome)}`);
        reserved.push(order.orderId);
      };
      const reservePhase = await phase(server.pid, () => (performance.now() < until ? reserve : undefined));
      results.get(variant)?.reserve.push(reservePhase);

      const toRelease = [...reserved];
      const repo = repos[variant];
      const releasePhase = await phase(server.pid, () => {
        const orderId = toRelease.pop();
        return orderId === undefined
          ? undefined
          : async () => {
              const outcome = await repo.release(orderId, 'user_deleted');
              if (outcome.outcome !== 'released') throw new Error(`${variant}: ${JSON.stringify(outcome)}`);
            };
      });
      results.get(variant)?.release.push(releasePhase);
      log(
        `[bench:reserve] round ${round} ${variant}: ${reservePhase.perSecond.toFixed(0)} reservations/s (p50 ${reservePhase.p50.toFixed(1)} ms, p99 ${reservePhase.p99.toFixed(1)} ms), ${releasePhase.perSecond.toFixed(0)} releases/s; load ${load()}`,
      );
    }
  }

  const rows = variants.map((variant) => {
    const { reserve, release } = results.get(variant) ?? { reserve: [], release: [] };
    const m = (phases: Phase[], key: keyof Phase, digits: number) =>
      phases.length === 0 ? '-' : median(phases.map((p) => p[key])).toFixed(digits);
    return `| ${variant} | ${m(reserve, 'perSecond', 0)} | ${m(reserve, 'p50', 1)} | ${m(reserve, 'p99', 1)} | ${m(reserve, 'nodeCpuMs', 2)} | ${m(reserve, 'postgresCpuMs', 2)} | ${m(release, 'perSecond', 0)} | ${m(release, 'p50', 1)} | ${m(release, 'p99', 1)} |`;
  });
  console.log(
    [
      '',
      `Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadAtStart} at start, ${load()} at end`,
      `${concurrency} workers, ${hotSkus} hot SKUs, ${lines} lines an order, ${durationMs / 1000} s a phase, medians of ${rounds} rounds`,
      '',
      '| variant | reservations/s | p50 ms | p99 ms | Node CPU ms/reservation | PostgreSQL CPU ms/reservation | releases/s | p50 ms | p99 ms |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
    ].join('\n'),
  );
} finally {
  await plainPool?.end().catch(() => {});
  await postgres?.pool.end().catch(() => {});
  if (server) await stopProcess(server.pid);
  await rm(dir, { recursive: true, force: true });
}
