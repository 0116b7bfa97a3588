/**
 * `npm run dev` (after `npm run infra -- up`): the provisioning step (streams created as the
 * `provisioner`), then every service's own `dev` script (tsx watch), output prefixed with the
 * service's name. Where the local NATS runs with authorization (deploy/nats/auth.conf), each
 * service connects as its own user with its password from `.infra/nats/credentials.json`. Each service runs in a process group of its own, so the
 * terminal's Ctrl-C reaches only this runner, which passes exactly one SIGINT to each service and
 * waits for their graceful shutdown. A second Ctrl-C (after the first has been handled) kills
 * what is left. Nothing outlives the runner.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readCredentials } from './local/nats-credentials.js';
import { PROVISIONER } from './nats-auth.js';
import { repoRoot, stateDir } from './paths.js';
import { readStack, stackEnv } from './stack.js';

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

/** The NATS passwords of the local stack where its server runs with authorization, else undefined. */
export function localNatsCredentials(dir = stateDir): Record<string, string> | undefined {
  const stack = readStack(dir);
  const nats = stack?.servers.find((s) => s.name === 'nats');
  if (nats?.extra.authorization === undefined) return undefined;
  const credentials = readCredentials(join(dir, 'nats'));
  if (credentials === undefined)
    throw new Error(`NATS runs with authorization but ${dir}/nats/credentials.json is missing`);
  return credentials;
}

/**
 * The NATS variables of one process of `npm run dev`: with the local stack's authorization, the
 * identity's own user and password (they win over the shell's); without it, nothing added.
 */
export function natsEnvOf(
  identity: string,
  credentials: Record<string, string> | undefined,
): Record<string, string> {
  if (credentials === undefined) return {};
  const pass = credentials[identity];
  if (pass === undefined) throw new Error(`deploy/nats/auth.conf has no user ${identity}`);
  return { NATS_USER: identity, NATS_PASSWORD: pass };
}

/**
 * The provisioning step as `npm run dev` runs it, as a process of its own (@demo/service's
 * provision.ts): every stream of the catalog, as the provisioner where `credentials` are given.
 * Resolves once it succeeded; rejects with its exit code otherwise.
 */
export async function runProvisioningStep(options: {
  url: string;
  credentials: Record<string, string> | undefined;
  out?: (line: string) => void;
}): Promise<void> {
  const out = options.out ?? ((line: string) => process.stderr.write(`[provision] ${line}\n`));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@demo/source',
      join(repoRoot, 'packages', 'service', 'src', 'provision.ts'),
    ],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NATS_URL: options.url, ...natsEnvOf(PROVISIONER, options.credentials) },
    },
  );
  for (const stream of [child.stdout, child.stderr])
    if (stream) createInterface({ input: stream }).on('line', out);
  const code = await new Promise<number>((resolve) => {
    child.once('error', () => resolve(1));
    child.once('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`the provisioning step failed (exit ${code})`);
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
  const credentials = localNatsCredentials();
  const stack = readStack(stateDir);
  const url =
    process.env.NATS_URL ?? (stack ? stackEnv(stack).NATS_URL : undefined) ?? 'nats://127.0.0.1:4222';
  await runProvisioningStep({
    url,
    credentials,
    out: (line) => process.stdout.write(`[provision] ${line}\n`),
  }).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}: no service started`);
  });
  const width = Math.max(...commands.map((c) => c.name.length));
  const children = commands.map((c) => {
    const child = spawn(c.command, c.args, {
      cwd: c.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...natsEnvOf(c.name, credentials) },
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
