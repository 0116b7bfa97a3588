import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const packageDir = join(import.meta.dirname, '..');

export interface FixtureApp {
  port: number;
  url: string;
  /** Everything the child wrote to stdout (its JSON log lines) and stderr (SDK diagnostics). */
  stdout(): string;
  stderr(): string;
  /** stdout parsed: one object per JSON line. */
  logLines(): Record<string, unknown>[];
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`); resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/**
 * Starts test/fixtures/app.ts the way a service starts in production: `node --import` of the
 * register module before the application (TypeScript through tsx, sources through the
 * `@demo/source` condition).
 */
export async function startFixtureApp(env: NodeJS.ProcessEnv): Promise<FixtureApp> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--conditions=@demo/source',
      '--import',
      'tsx',
      '--import',
      '@demo/telemetry/register',
      join('test', 'fixtures', 'app.ts'),
    ],
    { cwd: packageDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`fixture app did not start in time:\n${out}\n${err}`)),
      30_000,
    );
    child.once('message', (message: { port?: number }) => {
      clearTimeout(timer);
      if (message.port) resolve(message.port);
      else reject(new Error('fixture app sent no port'));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture app exited with ${code} before listening:\n${out}\n${err}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stderr: () => err,
    logLines: () =>
      out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    stop: async (timeoutMs = 15_000) => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit') as Promise<[number | null]>;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
