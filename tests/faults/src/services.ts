import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ServiceProcess, startService } from '@demo/infra';
import type { FaultStack } from './stack.js';

export const SERVICES = ['user-service', 'order-service', 'inventory-service'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Resident memory of a process in bytes (from /proc), or undefined once it is gone. */
function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A process's log lines at level error or fatal (pino JSON): the first line of each distinct
 * message with how often it came, at most `max` messages. A failure repeated every few seconds
 * (a relay sweep during an outage) takes one line, so a rarer one (a 500's cause) still shows.
 */
function errorLines(name: string, output: string, max: number): string[] {
  const first = new Map<string, { line: string; count: number }>();
  for (const line of output.split('\n')) {
    if (!/"level":"(error|fatal)"/.test(line)) continue;
    const key = /"msg":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? line.slice(0, 200);
    const seen = first.get(key);
    if (seen) seen.count += 1;
    else first.set(key, { line, count: 1 });
  }
  return [...first.values()]
    .slice(0, max)
    .map(({ line, count }) => `${name} (${count}×): ${line.slice(0, 1_500)}`);
}

/**
 * `FAULTS_LOG_DIR`: every service process's whole output is kept there (`<service>-<pid>.log`),
 * written when the process is killed, exits or is stopped at the end of the run.
 */
function keepOutput(service: ServiceProcess): void {
  const dir = process.env.FAULTS_LOG_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${service.name}-${service.child.pid ?? 'unknown'}.log`), service.output());
}

/** The three services as real processes on the harness's stack; kills, restarts, memory. */
export class Services {
  private readonly running = new Map<ServiceName, ServiceProcess>();
  private readonly ports = new Map<ServiceName, number>();
  readonly maxRss: Record<string, number> = {};
  /** Output of processes that were killed, so a failure can show what they said. */
  private readonly history: string[] = [];
  /** Error lines of processes that were killed or exited. */
  private readonly pastErrors: string[] = [];
  private sampler: NodeJS.Timeout | undefined;

  constructor(
    private readonly stack: FaultStack,
    private readonly database: string,
  ) {}

  env(name: ServiceName, extra: Record<string, string> = {}): Record<string, string> {
    const common = {
      NATS_URL: this.stack.natsUrl,
      NATS_STREAM_REPLICAS: String(this.stack.replicas),
      // The harness measures the saga, not the exporters: no telemetry leaves the process.
      OTEL_SDK_DISABLED: 'true',
      LOG_LEVEL: 'warn',
    };
    const own: Record<ServiceName, Record<string, string>> = {
      'user-service': { DATABASE_URL: this.stack.databaseUrl('users') },
      'order-service': {
        ...this.stack.mongoEnv('order-service'),
        MONGODB_DATABASE: `${this.database}_orders`,
      },
      'inventory-service': {
        DATABASE_URL: this.stack.databaseUrl('inventory'),
        ...this.stack.mongoEnv('inventory-service'),
        MONGODB_DATABASE: `${this.database}_inventory`,
      },
    };
    return { ...common, ...own[name], ...extra };
  }

  async startAll(extra: Partial<Record<ServiceName, Record<string, string>>> = {}): Promise<void> {
    // One at a time: each provisions the streams, and the machine has few cores.
    for (const name of SERVICES) await this.start(name, extra[name]);
    this.sampler = setInterval(() => this.sample(), 500);
  }

  async start(name: ServiceName, extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const service = await startService({
      name,
      env: this.env(name, extra),
      port: this.ports.get(name),
      readyTimeoutMs: 120_000,
    });
    this.ports.set(name, service.port);
    this.running.set(name, service);
    return service;
  }

  get(name: ServiceName): ServiceProcess {
    const service = this.running.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return service;
  }

  url(name: ServiceName): string {
    return `http://127.0.0.1:${this.ports.get(name) ?? 0}`;
  }

  /** SIGKILL: the process gets no chance to flush, ack or mark anything. */
  async kill(name: ServiceName): Promise<void> {
    const service = this.get(name);
    await service.kill();
    keepOutput(service);
    this.pastErrors.push(...errorLines(name, service.output(), 20));
    this.history.push(`--- ${name} (killed) ---\n${service.output().slice(-4000)}`);
    this.running.delete(name);
  }

  /** Waits until a process that kills itself (a crash switch) is gone, and forgets it. */
  async exited(name: ServiceName, timeoutMs: number): Promise<boolean> {
    const service = this.get(name);
    const deadline = Date.now() + timeoutMs;
    while (service.child.exitCode === null && service.child.signalCode === null) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    keepOutput(service);
    this.pastErrors.push(...errorLines(name, service.output(), 20));
    this.history.push(
      `--- ${name} (exited ${service.child.signalCode ?? service.child.exitCode}) ---\n${service.output().slice(-4000)}`,
    );
    this.running.delete(name);
    return true;
  }

  private sample(): void {
    for (const [name, service] of this.running) {
      const rss = rssOf(service.child.pid);
      if (rss !== undefined) this.maxRss[name] = Math.max(this.maxRss[name] ?? 0, rss);
    }
  }

  /** The last output of every process, for a failure's message. */
  output(): string {
    const live = [...this.running].map(([name, s]) => `--- ${name} ---\n${s.output().slice(-4000)}`);
    return [...this.history, ...live].join('\n');
  }

  /** What the services logged at level error or fatal (at most 20 lines a process). */
  errors(): string[] {
    return [
      ...this.pastErrors,
      ...[...this.running].flatMap(([name, s]) => errorLines(name, s.output(), 20)),
    ];
  }

  async stopAll(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    await Promise.all([...this.running.values()].map((s) => s.stop()));
    for (const s of this.running.values()) keepOutput(s);
    this.running.clear();
  }
}
