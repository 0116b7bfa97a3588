/**
 * npx tsx --conditions=@demo/source tools/loadgen/bench/ferretdb-backends.ts [-- --orders 2000 --concurrency 32 --rounds 2]
 *
 * FerretDB on SQLite against FerretDB on a PostgreSQL of its own, in the same run: each backend
 * started fresh on a free port, then `orders` order-shaped write sequences, `concurrency` at a
 * time, each the commands order-service sends for one order that confirms (insert with the
 * intent and deadline beside it, the customer read after it, the intent and the guarded
 * `findOneAndUpdate` of the confirmation, the marks and clears). Reports failed orders (an error
 * on any command), orders/s and commands/s per backend and round (the backends alternate, so a busy machine hurts both alike).
 */
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ensureInstalled,
  FERRETDB_BACKENDS,
  type FerretDbBackend,
  freePort,
  missingComponents,
  startFerretDb,
  stopFerretDb,
} from '@demo/infra';
import { type Db, MongoClient } from 'mongodb';
import { percentile } from '../src/stats.js';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '2' },
  },
});
const orders = Number(values.orders);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);

/** One order as order-service writes it; answers the number of commands sent. */
async function oneOrder(db: Db, customerId: string): Promise<number> {
  const orderId = randomUUID();
  const created = randomUUID();
  const confirmed = randomUUID();
  const now = new Date();
  const ordersCol = db.collection<{ _id: string; status: string }>('orders');
  const outbox = db.collection<{ _id: string; orderId: string }>('outbox');
  const deadlines = db.collection<{ _id: string; dueAt: Date }>('saga_deadlines');
  await Promise.all([
    outbox.insertOne({ _id: created, orderId }),
    deadlines.insertOne({ _id: orderId, dueAt: now }),
  ]);
  await ordersCol.insertOne({
    _id: orderId,
    status: 'PENDING',
    userId: customerId,
    events: [{ id: created }],
  } as never);
  await db.collection('customers').findOne({ _id: customerId as never });
  await outbox.deleteOne({ _id: created });
  await outbox.insertOne({ _id: confirmed, orderId });
  await ordersCol.findOneAndUpdate(
    { _id: orderId, status: 'PENDING' },
    { $set: { status: 'CONFIRMED' }, $push: { events: { id: confirmed } } } as never,
    { returnDocument: 'after' },
  );
  await Promise.all([outbox.deleteOne({ _id: confirmed }), deadlines.deleteOne({ _id: orderId })]);
  return 9;
}

async function measure(backend: FerretDbBackend, dir: string): Promise<string> {
  const port = await freePort();
  const record = await startFerretDb({ dir: join(dir, backend), port, backend });
  const client = await new MongoClient(record.url, { maxPoolSize: concurrency }).connect();
  try {
    const db = client.db('bench');
    const customerId = randomUUID();
    await db.collection('customers').insertOne({ _id: customerId as never, createdAt: new Date() });
    for (let i = 0; i < 50; i++) await oneOrder(db, customerId); // warm-up
    const latencies: number[] = [];
    let commands = 0;
    let errors = 0;
    let firstError = '';
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < orders) {
          next += 1;
          const t = performance.now();
          try {
            const sent = await oneOrder(db, customerId);
            commands += sent;
            latencies.push(performance.now() - t);
          } catch (error) {
            errors += 1;
            firstError ||= (error as Error).message.slice(-80);
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    if (firstError) process.stderr.write(`${backend}: ${errors} orders failed, e.g. ${firstError}\n`);
    return `| ${backend} | ${orders} | ${concurrency} | ${errors} | ${((orders - errors) / seconds).toFixed(0)} | ${(commands / seconds).toFixed(0)} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} |`;
  } finally {
    await client.close();
    await stopFerretDb(record);
  }
}

const missing = missingComponents(['ferretdb']);
if (missing.length > 0) await ensureInstalled(missing);
const dir = await mkdtemp(join(tmpdir(), 'ferretdb-bench-'));
// PostgreSQL runs as its own user when we are root: it must be able to reach its folder.
await chmod(dir, 0o755);
const lines = [
  `FerretDB backends: ${new Date().toISOString()}, node ${process.version}`,
  '',
  '| backend | orders | in flight | failed | orders/s | commands/s | order p50 ms | order p99 ms |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
try {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? FERRETDB_BACKENDS : [...FERRETDB_BACKENDS].reverse();
    for (const backend of order) {
      await rm(join(dir, backend), { recursive: true, force: true });
      const line = await measure(backend, dir);
      process.stderr.write(`${line}\n`);
      lines.push(line);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(`${lines.join('\n')}\n`);
