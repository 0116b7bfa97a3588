/**
 * `npm run dev` (after `npm run infra -- up`): every service's own `dev` script (tsx watch), output
 * prefixed with the service's name. Each service runs in a process group of its own, so the
 * terminal's Ctrl-C reaches only this runner, which passes exactly one SIGINT to each service and
 * waits for their graceful shutdown. A second Ctrl-C (after the first has been handled) kills
 * what is left. Nothing outlives the runner.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './paths.js';

export interface DevCommand {
  name: string;
  cwd: string;
  command: string;
  args: string[];
}

/**
 * The command of a service's `dev` script, run without a shell or npm in between (they would
 * pass the signal on a second time). Only `tsx …` scripts with plain words are accepted.
 */
export function devCommand(name: string, cwd: string, script: string): DevCommand {
  const words = script.trim().split(/\s+/);
  if (words[0] !== 'tsx' || words.some((w) => /["'`$|&;<>()\\]/.test(w))) {
    throw new Error(`${name}: the dev script must be a plain \`tsx …\` command, got: ${script}`);
  }
  return { name, cwd, command: join(repoRoot, 'node_modules', '.bin', 'tsx'), args: words.slice(1) };
}

/** Every service folder with a `dev` script, in name order. */
export function serviceDevCommands(servicesDir = join(repoRoot, 'services')): DevCommand[] {
  return readdirSync(servicesDir)
    .sort()
    .flatMap((folder) => {
      const file = join(servicesDir, folder, 'package.json');
      if (!existsSync(file)) return [];
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as {
        name?: string;
        scripts?: Record<string, string>;
      };
      const script = pkg.scripts?.dev;
      return script ? [devCommand(folder, join(servicesDir, folder), script)] : [];
    });
}

/** Repeated signals closer together than this are one keypress seen twice (npm, a shell). */
export const SAME_SIGNAL_MS = 1_000;

export type SignalDecision = 'stop' | 'ignore' | 'kill';

/** What a signal means, given when the previous one arrived (undefined: this is the first). */
export function onSignal(now: number, previous: number | undefined): SignalDecision {
  if (previous === undefined) return 'stop';
  return now - previous < SAME_SIGNAL_MS ? 'ignore' : 'kill';
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function pipe(name: string, stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream): void {
  if (!stream) return;
  const prefix = `[${name}] `;
  createInterface({ input: stream }).on('line', (line) => out.write(`${prefix}${line}\n`));
}

async function main(): Promise<number> {
  const commands = serviceDevCommands();
  const width = Math.max(...commands.map((c) => c.name.length));
  const children = commands.map((c) => {
    const child = spawn(c.command, c.args, {
      cwd: c.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    const label = c.name.padEnd(width);
    pipe(label, child.stdout, process.stdout);
    pipe(label, child.stderr, process.stderr);
    return { name: c.name, child };
  });

  const exits = children.map(
    ({ name, child }) =>
      new Promise<number>((resolve) => {
        child.once('error', (error) => {
          console.error(`[dev] ${name} could not start: ${error.message}`);
          resolve(1);
        });
        child.once('exit', (code, signal) => {
          console.error(`[dev] ${name} exited${signal ? ` on ${signal}` : ` with code ${code}`}`);
          resolve(code ?? 1);
        });
      }),
  );

  let previous: number | undefined;
  const handle = (signal: NodeJS.Signals) => {
    const now = Date.now();
    const decision = onSignal(now, previous);
    if (decision === 'ignore') return;
    previous = now;
    if (decision === 'stop') {
      console.error(
        `[dev] ${signal}: stopping ${children.map((c) => c.name).join(', ')} (Ctrl-C again to kill)`,
      );
      // The tsx watcher passes it to the service once and exits when the service has.
      for (const { child } of children) if (child.pid !== undefined) child.kill('SIGINT');
    } else {
      console.error('[dev] killing what is left');
      for (const { child } of children) signalGroup(child, 'SIGKILL');
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, handle);
  // Last resort if this runner dies: no service keeps running without it.
  process.once('exit', () => {
    for (const { child } of children) signalGroup(child, 'SIGKILL');
  });

  const codes = await Promise.all(exits);
  // A service that exits by itself (crash) leaves the others running: Ctrl-C stops them.
  return codes.every((c) => c === 0) ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`[dev] ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
