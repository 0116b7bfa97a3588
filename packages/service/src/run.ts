import { Bus, busReadiness, installLastResortHandlers, OutboxRelay, type OutboxStore } from '@demo/bus';
import { streams } from '@demo/contracts';
import {
  createApp,
  createHttpServer,
  type GracefulShutdown,
  gracefulShutdown,
  type OpenApiInfo,
  type ReadinessCheck,
  type Route,
  type ShutdownStep,
} from '@demo/http';
import { createLogger, type Logger, prometheusMetrics, shutdownTelemetry } from '@demo/telemetry';
import type { Committed } from './committed.js';
import type { ServiceDefinition } from './definition.js';
import { type BaseEnv, EnvError, natsServers } from './env.js';
import { crashAfterCommit } from './faults.js';

/** What a service's `start` returns: its dependencies (for the handlers), routes and own readiness checks. */
export interface ServiceParts<Deps> {
  deps: Deps;
  routes: readonly Route[];
  /** The service's own checks (its databases); the `nats` check is derived from the declaration. */
  readiness?: readonly ReadinessCheck[];
  /** Serves `GET /openapi.json` with this title and version. */
  openapi?: OpenApiInfo;
}

/** What `start` gets: the parsed environment, the logger, the connected bus and two registrations. */
export interface StartContext<E extends BaseEnv> {
  env: E;
  logger: Logger;
  bus: Bus;
  /** Closes `name` at shutdown (after the relay, the bus and telemetry, in registration order), and if start-up fails. */
  closeAtShutdown(name: string, close: () => Promise<void> | void): void;
  /** The service's outbox: builds the relay over `store` and returns the callback its repositories call after a commit. */
  outbox(store: OutboxStore): Committed;
}

export interface RunServiceOptions<E extends BaseEnv, Deps> {
  service: ServiceDefinition<Deps>;
  /** The service's `loadEnv`: throws `EnvError` naming each bad variable. */
  loadEnv: () => E;
  /** Opens the databases, builds the repositories and routes. */
  start: (context: StartContext<E>) => Promise<ServiceParts<Deps>>;
  /** How often the relay sweeps for leftovers (default 2 s). */
  sweepIntervalMs?: number;
  /** Ends the process (default `process.exit`). */
  exit?: (code: number) => void;
}

export interface RunningService {
  port: number;
  shutdown: GracefulShutdown['shutdown'];
}

interface Closer {
  name: string;
  run: () => Promise<void> | void;
}

async function closeQuietly(closers: readonly Closer[], logger: Logger): Promise<void> {
  for (const closer of closers) {
    try {
      await closer.run();
    } catch (err) {
      logger.warn({ err, step: closer.name }, 'closing after a failed start-up failed');
    }
  }
}

async function flushTelemetry(): Promise<void> {
  try {
    await shutdownTelemetry();
  } catch (err) {
    process.stderr.write(`telemetry flush failed: ${String(err)}\n`);
  }
}

/**
 * The one start-up and shutdown path of a service:
 * env → logger (and the last-resort handlers) → bus (streams provisioned) → `start` (databases, repositories, routes) →
 * consumers of the declaration → outbox relay → HTTP → signal handlers.
 * Shutdown: HTTP drains, then the relay, the bus, telemetry, and what `start` registered.
 * A configuration error prints the variables and exits 1; any other start-up failure is logged,
 * what was opened is closed, telemetry is flushed, and the process exits 1.
 */
export async function runService<E extends BaseEnv, Deps>(
  options: RunServiceOptions<E, Deps>,
): Promise<RunningService | undefined> {
  const { service } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));

  let env: E;
  try {
    env = options.loadEnv();
  } catch (error) {
    const message = error instanceof EnvError ? error.message : `invalid environment: ${String(error)}`;
    process.stderr.write(`${service.name}: ${message}\n`);
    await flushTelemetry();
    exit(1);
    return undefined;
  }

  const logger = createLogger({ service: service.name }, { level: env.LOG_LEVEL });
  installLastResortHandlers(logger, { beforeExit: () => shutdownTelemetry() });
  const opened: Closer[] = [];
  const resources: Closer[] = [];
  try {
    const bus = await Bus.connect({ name: service.name, servers: natsServers(env.NATS_URL), logger });
    opened.push({ name: 'bus', run: () => bus.close() });
    await bus.provision(streams, { replicas: env.NATS_STREAM_REPLICAS });

    let relay: OutboxRelay | undefined;
    const parts = await options.start({
      env,
      logger,
      bus,
      closeAtShutdown: (name, run) => {
        resources.push({ name, run });
      },
      outbox: (store) => {
        if (relay !== undefined) throw new Error(`${service.name} has one outbox; outbox() was called twice`);
        const built = new OutboxRelay({
          publisher: bus,
          store,
          contracts: service.produces,
          logger: logger.child({ component: 'outbox-relay' }),
          sweepIntervalMs: options.sweepIntervalMs ?? 2_000,
        });
        relay = built;
        opened.unshift({ name: 'outbox relay', run: () => built.stop() });
        return crashAfterCommit(env.FAULT_CRASH_AFTER_COMMIT, (events) => built.committed(events), logger);
      },
    });
    if (service.produces.length > 0 && relay === undefined) {
      throw new Error(`${service.name} produces events but its start() built no outbox`);
    }

    await service.subscribe(bus, parts.deps);
    // Started after the consumers: its first pass publishes what a crash left in the outbox.
    relay?.start();

    const http = createHttpServer(
      createApp({
        routes: parts.routes,
        logger,
        // NATS is not critical (the outbox holds what is written while it is away); every
        // declared consumer must have started.
        readiness: [...(parts.readiness ?? []), busReadiness(bus, { consumers: service.consumers.length })],
        requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
        metrics: prometheusMetrics,
        ...(parts.openapi === undefined ? {} : { openapi: parts.openapi }),
      }),
    );
    const address = await http.listen(env.PORT);
    logger.info({ port: address.port }, `${service.name} listening`);

    const steps: ShutdownStep[] = [
      ...opened,
      { name: 'telemetry', run: () => shutdownTelemetry() },
      ...resources,
    ];
    const { shutdown } = gracefulShutdown({ http, logger, steps, exit });
    return { port: address.port, shutdown };
  } catch (err) {
    logger.fatal({ err }, `${service.name} failed to start`);
    await closeQuietly([...opened, ...resources], logger);
    await flushTelemetry();
    exit(1);
    return undefined;
  }
}
