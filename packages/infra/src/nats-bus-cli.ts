/**
 * npm run bus -- <dlq … | tail …>: the dead-letter tool of @demo/bus, connected like
 * `npm run nats` (NATS_URL and NATS_USER/NATS_PASSWORD when given; else the server of
 * `npm run infra -- up` as the `provisioner`).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { localToolEnv } from './nats-tool-env.js';
import { repoRoot } from './paths.js';

const tool = localToolEnv(process.env);
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--conditions=@demo/source',
    '--import',
    '@demo/telemetry/register',
    join(repoRoot, 'packages', 'bus', 'src', 'cli', 'main.ts'),
    ...process.argv.slice(2),
  ],
  { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, NATS_URL: tool.url, ...tool.auth } },
);
process.on('SIGINT', () => {});
child.once('error', (error) => {
  console.error(`[bus] ${error.message}`);
  process.exit(1);
});
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
