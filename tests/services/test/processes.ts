import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  createTestDatabase,
  repoRoot,
  type ServiceProcess,
  serviceMongoEnv,
  startService,
  type TestDatabase,
  uniqueName,
} from '@demo/infra';

export type ServiceName = 'user-service' | 'order-service' | 'inventory-service';
export const SERVICES: readonly ServiceName[] = ['user-service', 'order-service', 'inventory-service'];

/** Each service's own databases (everything but NATS), for one suite. */
export class Databases {
  private constructor(
    private readonly users: TestDatabase,
    private readonly inventory: TestDatabase,
  ) {}

  static async create(): Promise<Databases> {
    const [users, inventory] = await Promise.all([
      createTestDatabase('users'),
      createTestDatabase('inventory'),
    ]);
    return new Databases(users, inventory);
  }

  env(name: ServiceName): Record<string, string> {
    switch (name) {
      case 'user-service':
        return { DATABASE_URL: this.users.url };
      case 'order-service':
        return { ...serviceMongoEnv('order-service'), MONGODB_DATABASE: uniqueName('orders') };
      case 'inventory-service':
        return {
          DATABASE_URL: this.inventory.url,
          ...serviceMongoEnv('inventory-service'),
          MONGODB_DATABASE: uniqueName('inventory'),
        };
    }
  }

  async drop(): Promise<void> {
    await Promise.all([this.users.drop(), this.inventory.drop()]);
  }
}

/** Starts a service and waits for `/ready` (see `startService` of @demo/infra). */
export function startReady(name: ServiceName, env: Record<string, string>): Promise<ServiceProcess> {
  return startService({ name, env });
}

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Runs a service the way `startService` does, but expects it to end by itself: resolves with its
 * exit code and everything it printed; kills it and fails after `timeoutMs`.
 */
export async function runUntilExit(
  name: ServiceName,
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
): Promise<Exited> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@demo/source', '--import', '@demo/telemetry/register', 'src/main.ts'],
    {
      cwd: join(repoRoot, 'services', name),
      env: { ...process.env, NODE_ENV: 'test', OTEL_SERVICE_NAME: name, PORT: '0', ...env },
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
  return new Promise<Exited>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} still ran after ${timeoutMs} ms\n--- output ---\n${output.slice(-4000)}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/** The JSON lines a process printed (other lines skipped). */
export function jsonLines(output: string): Array<Record<string, unknown>> {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
