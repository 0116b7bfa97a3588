/**
 * npm run test:faults [-- [fault...] [--short] [--rate=10] [--sync-interval=always]]
 *
 * Runs each fault (all of them, then the short form, by default) on a stack of its own under a fixed order rate,
 * prints one row per fault and the rules each run broke; exits 1 when any run broke one.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSyncInterval } from '@demo/infra';
import { FAULTS, type Fault, SHORT } from './faults.js';
import { parseRate } from './rate.js';
import { type FaultResult, runFault } from './run.js';
import { refused, summary } from './summary.js';
import { table } from './table.js';

function parseArgs(argv: readonly string[]) {
  const flags = new Map<string, string>();
  const names: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('--')) {
      const [key, value = 'true'] = arg.slice(2).split('=', 2) as [string, string?];
      flags.set(key, value);
    } else names.push(arg);
  }
  const known = [SHORT, ...FAULTS];
  const unknown = names.filter((n) => !known.some((f) => f.name === n));
  if (unknown.length > 0)
    throw new Error(`unknown fault(s) ${unknown.join(', ')}; known: ${known.map((f) => f.name).join(', ')}`);
  const faults: Fault[] = flags.has('short')
    ? [SHORT]
    : names.length > 0
      ? known.filter((f) => names.includes(f.name))
      : [...FAULTS, SHORT];
  const rate = parseRate(flags.get('rate'));
  const sync = flags.get('sync-interval');
  return { faults, rate, syncInterval: sync ? parseSyncInterval(sync) : undefined };
}

async function main(): Promise<number> {
  const { faults, rate, syncInterval } = parseArgs(process.argv.slice(2));
  const log = (line: string) => console.error(line);
  const results: FaultResult[] = [];
  const started = new Date();
  for (const fault of faults) {
    log(`[faults] ${fault.name}: ${fault.description}`);
    results.push(await runFault(fault, { ratePerSecond: rate, syncInterval, log }));
  }
  console.log(
    `\nFault runs of ${started.toISOString()}, ${rate} orders/s offered${syncInterval ? `, sync_interval ${syncInterval}` : ''}\n`,
  );
  console.log(table(results));
  console.log('');
  for (const fault of faults) console.log(`- ${fault.name}: ${fault.description}`);
  for (const result of results) {
    if (result.ok) {
      const notAccepted = refused(result);
      if (notAccepted) console.log(`\n${result.fault}: requests not accepted: ${notAccepted}`);
      continue;
    }
    console.log(`\n${summary(result)}`);
    const file = join(tmpdir(), `demo-faults-${result.fault}-${Date.now()}.log`);
    writeFileSync(
      file,
      `${result.report.violations.join('\n')}\n\n${result.errors.join('\n')}\n\n${result.output ?? ''}`,
    );
    console.log(`  every violation and the services' last output: ${file}`);
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[faults] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
