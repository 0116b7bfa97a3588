import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats } from './local/nats.js';
import { BUS_ROLES, PROVISIONER, passwordVariable, renderNatsAuthorization } from './nats-auth.js';
import { repoRoot } from './paths.js';
import { freePort } from './ports.js';
import { stopProcess, waitUntil } from './process.js';

export interface TestNats {
  url: string;
  /** With `authorization`: each identity's user and password (`provisioner`, `order-service`, …). */
  credentials: Record<string, { user: string; pass: string }>;
  /** Stops the server (its data stays until `remove()`); `restart()` brings it back on the same port. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A nats-server of the suite's own (JetStream on, loopback, free port): streams and consumers
 * isolated. With `authorization`, the project's users and permissions (deploy/nats/auth.conf) with
 * fresh random passwords, in `credentials`.
 */
export async function startTestNats(options: { authorization?: boolean } = {}): Promise<TestNats> {
  const dir = mkdtempSync(join(tmpdir(), 'demo-nats-'));
  const port = await freePort();
  const credentials: TestNats['credentials'] = {};
  let authorization: Parameters<typeof startNats>[0]['authorization'];
  if (options.authorization) {
    const passwords: Record<string, string> = {};
    for (const user of [PROVISIONER, ...BUS_ROLES.map((r) => r.service)]) {
      const pass = randomBytes(12).toString('hex');
      credentials[user] = { user, pass };
      passwords[passwordVariable(user)] = pass;
    }
    authorization = {
      block: renderNatsAuthorization(),
      passwords,
      probeAs: credentials[PROVISIONER] as { user: string; pass: string },
    };
  }
  let server = await startNats({ dir, port, authorization });
  return {
    url: server.url,
    credentials,
    stop: () => stopProcess(server.pid),
    restart: async () => {
      server = await startNats({ dir, port, authorization });
    },
    remove: async () => {
      await stopProcess(server.pid);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ServiceProcess {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process printed (JSON log lines), for assertions and failure messages. */
  output(): string;
  /** SIGTERM and wait for the exit code (graceful shutdown). */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

export interface StartServiceOptions {
  /** Folder name under services/, e.g. `user-service`. */
  name: string;
  env: Record<string, string>;
  /** Fixed port (for restarts); a free one by default. */
  port?: number;
  readyTimeoutMs?: number;
  /**
   * The checkout the service runs from (default: this repository): another version unpacked
   * inside this one, for before/after runs side by side.
   */
  root?: string;
}

/**
 * Starts a service as a real process, the way `npm run dev` does (TypeScript sources through tsx,
 * telemetry registered first), and waits until `GET /ready` answers 200.
 */
export async function startService(options: StartServiceOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const cwd = join(options.root ?? repoRoot, 'services', options.name);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@demo/source', '--import', '@demo/telemetry/register', 'src/main.ts'],
    {
      cwd,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        OTEL_SERVICE_NAME: options.name,
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_BLRP_SCHEDULE_DELAY: '200',
        LOG_LEVEL: 'info',
        ...options.env,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  // A process that ends before it is ready fails the start at once (its output read to the end).
  const closed = new Promise<never>((_, reject) =>
    child.once('close', (code, signal) =>
      reject(new Error(`${options.name} exited with ${code ?? signal} before /ready answered`)),
    ),
  );
  try {
    await Promise.race([
      waitUntil(
        `${options.name} /ready`,
        async () => {
          if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
          const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1_000) });
          if (response.status !== 200) throw new Error(`/ready answered ${response.status}`);
        },
        options.readyTimeoutMs ?? 60_000,
      ),
      closed,
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- ${options.name} output ---\n${output.slice(-4000)}`);
  }
  return {
    name: options.name,
    url,
    port,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      if (child.pid) await stopProcess(child.pid, 1_000);
    },
  };
}
