#!/usr/bin/env node
/**
 * Load generator: `node dist/main.js --rate 10 --duration 2m` (or the LOADGEN_* environment,
 * as the compose profile `loadgen` sets it). Ctrl-C stops early and still prints the summary.
 */
import { loadConfig, USAGE, wantsHelp } from './config.js';
import { formatReport, runLoad } from './loadgen.js';

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());

if (wantsHelp(process.argv.slice(2))) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

try {
  const config = loadConfig(process.argv.slice(2), process.env);
  const report = await runLoad(config, { signal: controller.signal });
  process.stdout.write(`${formatReport(report)}\n`);
  process.exitCode = report.passed ? 0 : 1;
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
