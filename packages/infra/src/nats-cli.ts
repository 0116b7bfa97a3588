/**
 * npm run nats -- <nats CLI arguments>
 *
 * The pinned `nats` CLI (built into the cache by `npm run infra -- install nats`), pointed at
 * NATS_URL, or else at the server of `npm run infra -- up`, or else at 127.0.0.1:4222.
 */
import { spawn } from 'node:child_process';
import { ensureInstalled } from './install.js';
import { binaries, stateDir } from './paths.js';
import { readStack, stackEnv } from './stack.js';

function serverUrl(): string {
  if (process.env.NATS_URL) return process.env.NATS_URL;
  const stack = readStack(stateDir);
  return (stack && stackEnv(stack).NATS_URL) || 'nats://127.0.0.1:4222';
}

async function main(): Promise<number> {
  await ensureInstalled(['nats']);
  const args = process.argv.slice(2);
  const given = args.some((a) => a === '-s' || a.startsWith('--server'));
  const child = spawn(binaries().natsCli, given ? args : ['-s', serverUrl(), ...args], { stdio: 'inherit' });
  // Ctrl-C reaches the CLI through the terminal's process group; do not die before it does.
  process.on('SIGINT', () => {});
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[nats] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
