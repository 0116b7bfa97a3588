import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SyncInterval } from '@demo/infra';
import { account, type Report } from './accounting.js';
import { OrderProgress, readDeadLetters, readInventory, readOrders, readUsers } from './collect.js';
import type { Fault, FaultContext } from './faults.js';
import { type Catalog, type LoadResult, placeOrders } from './load.js';
import { Services } from './services.js';
import { FaultStack } from './stack.js';

export interface RunOptions {
  ratePerSecond: number;
  /** After the load and the fault: how long the saga may take to finish every order. */
  settleMs?: number;
  users?: number;
  skus?: number;
  maxRssBytes?: number;
  syncInterval?: SyncInterval;
  log?: (line: string) => void;
}

export interface FaultResult {
  fault: string;
  rate: number;
  achievedRate: number;
  load: LoadResult;
  report: Report;
  /** What the fault did and when, seconds after the load started. */
  timeline: string[];
  /** The services' last output, when the run broke a rule. */
  output?: string;
  /** What the services logged at level error or fatal. */
  errors: string[];
  ok: boolean;
}

async function json<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201)
    throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return false;
}

/** How often the settle wait looks: the counts read the busiest server, which the saga needs. */
const SETTLE_POLL_MS = 2_000;

/** Users and stock: enough stock for most orders, so a run has both confirmations and rejections. */
async function seed(
  services: Services,
  options: RunOptions,
  loadMs: number,
  database: string,
  stack: FaultStack,
) {
  const users = options.users ?? 20;
  const skus = options.skus ?? 8;
  const userIds: string[] = [];
  for (let i = 0; i < users; i += 1) {
    const user = await json<{ id: string }>(`${services.url('user-service')}/api/users`, {
      email: `fault-${randomBytes(6).toString('hex')}@example.com`,
      name: `Fault User ${i}`,
    });
    userIds.push(user.id);
  }
  // About 3 units an order (1-2 lines of 1-3): 80 % of the expected demand is in stock.
  const expectedUnits = ((options.ratePerSecond * loadMs) / 1_000) * 3;
  const perSku = Math.max(10, Math.round((expectedUnits * 0.8) / skus));
  const initial = new Map<string, number>();
  for (let i = 0; i < skus; i += 1) {
    const sku = `F-${randomBytes(3).toString('hex').toUpperCase()}`;
    await json(`${services.url('inventory-service')}/api/inventory`, {
      sku,
      name: `Fault item ${i}`,
      quantity: perSku,
      unitPrice: 2.5,
    });
    initial.set(sku, perSku);
  }
  // order-service learns the users from users.created: orders before that are refused (422).
  const { MongoClient } = await import('mongodb');
  const known = await until(
    // customers known to order-service
    async () => {
      const client = new MongoClient(stack.mongoUrl, { serverSelectionTimeoutMS: 5_000 });
      try {
        await client.connect();
        const n = await client
          .db(`${database}_orders`)
          .collection('customers')
          .countDocuments({ _id: { $in: userIds as never[] } });
        return n === userIds.length;
      } finally {
        await client.close();
      }
    },
    60_000,
  );
  if (!known) throw new Error('order-service did not learn the users within 60 s');
  const catalog: Catalog = { userIds, skus: [...initial.keys()] };
  return { catalog, initial };
}

/** Runs one fault on a stack of its own: seed, load + fault, settle, account. */
export async function runFault(fault: Fault, options: RunOptions): Promise<FaultResult> {
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), `demo-faults-${fault.name}-`));
  const database = `faults_${randomBytes(4).toString('hex')}`;
  const timeline: string[] = [];
  let stack: FaultStack | undefined;
  let services: Services | undefined;
  try {
    stack = await FaultStack.start({
      dir,
      cluster: fault.cluster,
      netns: fault.netns,
      syncInterval: options.syncInterval,
    });
    services = new Services(stack, database);
    await services.startAll(fault.serviceEnv);
    const { catalog, initial } = await seed(services, options, fault.loadMs, database, stack);
    log(
      `[${fault.name}] stack up, ${catalog.userIds.length} users, ${catalog.skus.length} SKUs; load ${options.ratePerSecond}/s for ${fault.loadMs / 1000} s`,
    );

    const started = Date.now();
    const abort = new AbortController();
    const ctx: FaultContext = {
      stack,
      services,
      elapsed: () => Date.now() - started,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      note: (text) => {
        const line = `${((Date.now() - started) / 1000).toFixed(1)} s ${text}`;
        timeline.push(line);
        log(`[${fault.name}] ${line}`);
      },
    };
    const running = services;
    const [load] = await Promise.all([
      placeOrders(
        {
          orderServiceUrl: () => running.url('order-service'),
          catalog,
          ratePerSecond: options.ratePerSecond,
          durationMs: fault.loadMs,
        },
        abort.signal,
      ),
      fault.inject(ctx).catch((error: unknown) => {
        abort.abort();
        throw error;
      }),
    ]);
    ctx.note(`load done: ${load.accepted.length} accepted of ${load.sent} sent`);

    // Settle: every order terminal, and user-service has counted every outcome.
    const settleMs = options.settleMs ?? 120_000;
    const settleDeadline = Date.now() + settleMs;
    const progress = await OrderProgress.open(stack.mongoUrl, `${database}_orders`);
    try {
      await until(async () => (await progress.pending()) === 0, settleMs, SETTLE_POLL_MS);
      const usersUrl = stack.databaseUrl('users');
      await until(
        // user counts caught up
        async () => {
          const users = await readUsers(usersUrl, catalog.userIds);
          const counted = users.reduce((n, u) => n + u.orderCount + u.rejectedOrderCount, 0);
          return counted >= (await progress.decided());
        },
        Math.max(5_000, settleDeadline - Date.now()),
        SETTLE_POLL_MS,
      );
    } finally {
      await progress.close();
    }
    // A little longer: a duplicate effect would arrive now.
    await new Promise((r) => setTimeout(r, 3_000));
    ctx.note('settled');

    // Effects trail their causes: read the trailing ones first (user counts, then inventory in one
    // snapshot, then orders). A count above its cause is then a duplicate, never a race of the reads.
    const users = await readUsers(stack.databaseUrl('users'), catalog.userIds);
    const inventory = await readInventory(stack.databaseUrl('inventory'), initial);
    const orders = await readOrders(stack.mongoUrl, `${database}_orders`);
    const deadLetters = await readDeadLetters(stack.natsDirectUrl);
    const settled = !orders.some((o) => o.status === 'PENDING');
    const report = account(
      { accepted: load.accepted, orders, ...inventory, users, deadLetters, maxRss: { ...services.maxRss } },
      {
        maxRssBytes: options.maxRssBytes ?? 512 * 2 ** 20,
        explainedDeadLetters: fault.explainedDeadLetters,
        settled,
      },
    );
    const ok = report.violations.length === 0;
    return {
      fault: fault.name,
      rate: options.ratePerSecond,
      achievedRate: load.achievedRate,
      load,
      report,
      timeline,
      output: ok ? undefined : services.output(),
      errors: services.errors(),
      ok,
    };
  } finally {
    await services
      ?.stopAll()
      .catch((error: unknown) => log(`[${fault.name}] stopping services: ${String(error)}`));
    await stack?.close().catch((error: unknown) => log(`[${fault.name}] stopping servers: ${String(error)}`));
    rmSync(dir, { recursive: true, force: true });
  }
}
