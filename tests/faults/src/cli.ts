/**
 * npm run test:faults [-- [fault...] [--short] [--rate=20] [--sync-interval=always]]
 *
 * Runs each fault (all of them by default) on a stack of its own under a fixed order rate,
 * prints one row per fault and the rules each run broke; exits 1 when any run broke one.
 */
import { parseSyncInterval } from '@demo/infra';
import { FAULTS, type Fault, SHORT } from './faults.js';
import { type FaultResult, runFault } from './run.js';
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
      : [...FAULTS];
  const rate = Number(flags.get('rate') ?? '20');
  if (!Number.isFinite(rate) || rate <= 0)
    throw new Error(`--rate must be a positive number, not ${flags.get('rate')}`);
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
    const failed = Object.entries(result.load.failed).map(([k, v]) => `${k}: ${v}`);
    if (failed.length > 0) console.log(`\n${result.fault}: requests not accepted: ${failed.join(', ')}`);
    if (result.ok) continue;
    console.log(`\n${result.fault} broke ${result.report.violations.length} rule(s); the first ones:`);
    for (const v of result.report.violations.slice(0, 15)) console.log(`  - ${v}`);
    console.log(`  timeline: ${result.timeline.join('; ')}`);
    if (process.env.FAULTS_VERBOSE) console.log(result.output);
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
