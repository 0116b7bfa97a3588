import { describe, expect, it } from 'vitest';
import { FAULTS } from '../src/faults.js';
import { parseRate } from '../src/rate.js';
import { runFault } from '../src/run.js';
import { summary, violationLines } from '../src/summary.js';
import { table } from '../src/table.js';

/**
 * Issue 10: MongoDB (FerretDB here) stopped for 60 s while orders flow at `FAULTS_RATE` orders a
 * second. order-service refuses new orders while it cannot store them (503); after MongoDB
 * returns, every accepted order completes, with 0 dead letters and 0 PENDING once settled.
 * (PostgreSQL's 60 s stop is part of the short form, test/short.test.ts.)
 */
const rate = parseRate(process.env.FAULTS_RATE);
const fault = FAULTS.find((f) => f.name === 'mongodb-stop-60s');

describe('fault harness: MongoDB stopped 60 s', () => {
  it(`completes every accepted order, without a dead letter, at ${rate} orders/s`, async () => {
    if (!fault) throw new Error('the fault mongodb-stop-60s is not defined');
    const result = await runFault(fault, { ratePerSecond: rate, log: (line) => console.info(line) });
    console.info(table([result]));
    const refusedOtherwise = Object.keys(result.load.failed).filter((status) => status !== '503');
    // What the services said last, for a failure in CI (each process's last 4,000 characters).
    if (!result.ok) console.error(result.output);
    if (result.errors.length > 0) console.error(result.errors.join('\n'));

    expect(violationLines(result), summary(result)).toEqual([]);
    expect(result.report).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, deadLetters: 0 });
    // What was refused was refused for the outage (503 while MongoDB was away), nothing else.
    expect(refusedOtherwise, `${summary(result)}\n${result.errors.join('\n')}`).toEqual([]);
    // 10 s of orders before the stop; more than that means orders were accepted again after it.
    expect(result.report.accepted, summary(result)).toBeGreaterThan(rate * 12);
  });
});
