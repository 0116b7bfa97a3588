import type { HttpLogger } from './logger.js';
import type { HttpServer } from './server.js';

/** One step of a service's shutdown: close the bus, flush telemetry, close a pool. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

export interface GracefulShutdownOptions {
  /** Drained first: stop accepting, finish in-flight requests. */
  http?: HttpServer;
  /** Run one after the other, in this order, after the HTTP server is drained. */
  steps: readonly ShutdownStep[];
  logger: HttpLogger;
  /** How long in-flight requests may take before their connections are cut (default 10 s). */
  drainTimeoutMs?: number;
  /** How long one step may take before it counts as failed (default 10 s). */
  stepTimeoutMs?: number;
  /** Signals that start the shutdown (default SIGTERM and SIGINT); `[]` installs no handler. */
  signals?: readonly NodeJS.Signals[];
  /** Called with the exit code once a signal-started shutdown ends (default `process.exit`). */
  exit?: (code: number) => void;
}

export interface GracefulShutdown {
  /** Drains HTTP, then runs the steps. Resolves with the exit code: 0, or 1 if a step failed. Idempotent. */
  shutdown(reason?: string): Promise<number>;
  /** Removes the signal handlers. */
  dispose(): void;
}

async function withTimeout(run: () => Promise<void> | void, ms: number, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(run),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`shutdown step '${name}' took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Installs the shutdown of a service: on the first signal, drain HTTP, run the steps in order
 * (each logged), then exit 0, or 1 if a step failed. A second signal exits at once with 1.
 */
export function gracefulShutdown(options: GracefulShutdownOptions): GracefulShutdown {
  const log = options.logger.child({ component: 'shutdown' });
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const stepTimeoutMs = options.stepTimeoutMs ?? 10_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let running: Promise<number> | undefined;
  let signalled = false;

  async function run(reason: string): Promise<number> {
    log.info({ reason }, 'shutting down');
    let failed = 0;
    if (options.http !== undefined) {
      const started = performance.now();
      const { forced } = await options.http.close({ timeoutMs: drainTimeoutMs });
      const durationMs = Math.round(performance.now() - started);
      if (forced)
        log.warn(
          { step: 'http', durationMs },
          'in-flight requests outlived the drain timeout: connections cut',
        );
      else log.info({ step: 'http', durationMs }, 'http server drained');
    }
    for (const [index, step] of options.steps.entries()) {
      const started = performance.now();
      try {
        await withTimeout(step.run, stepTimeoutMs, step.name);
        // `position` orders the lines even where an output stream (torn down by an earlier step,
        // such as telemetry) delivers them out of order.
        log.info(
          { step: step.name, position: index + 1, durationMs: Math.round(performance.now() - started) },
          'shutdown step done',
        );
      } catch (err) {
        failed += 1;
        log.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
    const code = failed === 0 ? 0 : 1;
    log.info({ exitCode: code, failedSteps: failed }, 'shutdown complete');
    return code;
  }

  const shutdown = (reason = 'requested'): Promise<number> => {
    running ??= run(reason);
    return running;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.warn({ signal }, 'second signal during shutdown: exiting now');
      exit(1);
      return;
    }
    signalled = true;
    shutdown(signal).then(exit, (err: unknown) => {
      log.error({ err }, 'shutdown failed');
      exit(1);
    });
  };
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  for (const signal of signals) process.on(signal, onSignal);

  return {
    shutdown,
    dispose: () => {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
