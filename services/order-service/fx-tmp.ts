import { startFerretDb, stopFerretDb, freePort } from '@demo/infra';
import { isDependencyUnavailable } from '@demo/http';
import { MongoClient } from 'mongodb';
const dir = '/tmp/fx/f1';
const port = await freePort();
let rec = await startFerretDb({ dir, port });
const client = new MongoClient(rec.url, { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000, socketTimeoutMS: 10000, maxPoolSize: 20 });
await client.connect();
const col = client.db('t').collection('orders');
const seen = new Map<string, number>();
let stop = false; let ok = 0;
const worker = async () => { while (!stop) { try { await col.insertMany([{ a: Math.random() }, { a: 2 }], { ordered: false }); await col.updateOne({a: 1}, {$set: {b: 2}}); await col.find({ 'outbox.id': 'x' }).limit(5).toArray(); ok++; } catch (e) { const err = e as Error & { code?: unknown }; const k = `${isDependencyUnavailable(e) ? 'unavail' : 'OTHER'} ${err.name} ${err.code} ${err.message.slice(0, 150)}`; seen.set(k, (seen.get(k) ?? 0) + 1); await new Promise(r => setTimeout(r, 50)); } } };
const ws = Array.from({ length: 60 }, worker);
for (let round = 0; round < 4; round++) {
  await new Promise(r => setTimeout(r, 1500));
  process.kill(rec.pid, 'SIGTERM');
  await new Promise(r => setTimeout(r, 3000));
  rec = await startFerretDb({ dir, port });
}
await new Promise(r => setTimeout(r, 3000));
stop = true; await Promise.all(ws);
console.log('ok', ok); for (const [k, v] of seen) console.log(v, k);
await client.close(); await stopFerretDb(rec);
