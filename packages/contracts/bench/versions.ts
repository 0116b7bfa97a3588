/**
 * What reading by version costs on consume: `npm run bench:versions`. Baseline, in the same run:
 * the contract's own schema on the same bytes (what decode did before versions). Then the version
 * reader on a message of the handler's version, on a v1 message upcast to v2, and on a newer
 * version read with the handler's schema. Each figure: messages per second, median of 7 rounds
 * that interleave the cases.
 */
import { versionReader } from '@demo/bus';
import { OrderCreatedV1, OrderCreatedV2 } from '../src/index.js';

const ROUNDS = 7;
const PER_ROUND = 50_000;

const lines = (n: number, priced: boolean) =>
  Array.from({ length: n }, (_, i) => ({
    sku: `SKU-${String(i).padStart(4, '0')}`,
    quantity: 1 + (i % 5),
    ...(priced && { unitPrice: i % 2 ? 9.99 : null }),
  }));
const base = {
  orderId: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
  userId: '0b8a4d2e-5c1f-4e7a-9d3b-2f6c8e1a4b7d',
  createdAt: '2026-11-24T10:15:00.000Z',
};
const v1Body = JSON.stringify({ ...base, items: lines(3, false) });
const v2Body = JSON.stringify({ ...base, items: lines(3, true), currency: 'EUR' });

const readV2 = versionReader(OrderCreatedV2);
const readV1 = versionReader(OrderCreatedV1);

function once(work: () => unknown): number {
  const started = performance.now();
  for (let i = 0; i < PER_ROUND; i++) work();
  return PER_ROUND / ((performance.now() - started) / 1000);
}

/** Rounds interleave the cases, so a busy moment of the machine falls on all of them alike. */
function rates(cases: readonly (readonly [string, () => unknown])[]): number[] {
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    cases.forEach(([, work], i) => {
      samples[i]!.push(once(work));
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] as number);
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench input is not what it claims: ${what}`);
}
check(OrderCreatedV2.schema.safeParse(JSON.parse(v2Body)).success, 'v2 body');
check(readV2('orders.created.v1', JSON.parse(v1Body)).ok, 'v1 upcast');
check(readV1('orders.created.v2', JSON.parse(v2Body)).ok, 'v2 read as v1');

const cases: [string, () => unknown][] = [
  [
    'baseline: JSON.parse + v2 schema (no versions)',
    () => OrderCreatedV2.schema.safeParse(JSON.parse(v2Body)),
  ],
  ['v2 consumer, v2 message', () => readV2('orders.created.v2', JSON.parse(v2Body))],
  ['v2 consumer, v1 message (upcast)', () => readV2('orders.created.v1', JSON.parse(v1Body))],
  ['v1 consumer, v2 message (read as v1)', () => readV1('orders.created.v2', JSON.parse(v2Body))],
];

for (const [, work] of cases) once(work); // warm-up
const results = rates(cases).map((rate, i) => ({ name: cases[i]![0], rate }));
const baseline = results[0]!.rate;
console.log(`orders.created, 3 lines, ${ROUNDS} rounds of ${PER_ROUND} (median), Node ${process.version}`);
for (const { name, rate: r } of results) {
  console.log(
    `${name.padEnd(50)} ${Math.round(r).toLocaleString('en').padStart(10)} msg/s  ${(r / baseline).toFixed(2)}× baseline`,
  );
}
