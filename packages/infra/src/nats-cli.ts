/**
 * npm run nats -- <nats CLI arguments>
 *
 * The pinned `nats` CLI (built into the cache by `npm run infra -- install nats`), pointed at
 * NATS_URL, or else at the server of `npm run infra -- up`, or else at 127.0.0.1:4222. Against the
 * local server (authorization on, deploy/nats/auth.conf) it connects as the `provisioner`, the
 * documented user of tools, unless a user, credentials or context are given (flags, or the CLI's
 * own NATS_USER/NATS_PASSWORD, NATS_CREDS, NATS_CONTEXT variables).
 */
import { spawn } from 'node:child_process';
import { ensureInstalled } from './install.js';
import { localToolEnv } from './nats-tool-env.js';
import { binaries } from './paths.js';

const IDENTITY_FLAGS = ['--user', '--creds', '--context', '--nkey', '--jwt', '--seed'];

async function main(): Promise<number> {
  await ensureInstalled(['nats']);
  const args = process.argv.slice(2);
  const given = args.some((a) => a === '-s' || a.startsWith('--server'));
  const identified = args.some((a) => IDENTITY_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)));
  const tool = localToolEnv(process.env);
  const env = { ...process.env, ...(identified ? {} : tool.auth) };
  const child = spawn(binaries().natsCli, given ? args : ['-s', tool.url, ...args], {
    stdio: 'inherit',
    env,
  });
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
