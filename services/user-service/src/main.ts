import { Bus, installLastResortHandlers, OutboxRelay } from '@demo/bus';
import { PostgresOutboxStore } from '@demo/bus/postgres';
import { streams } from '@demo/contracts';
import { createApp, createHttpServer, gracefulShutdown } from '@demo/http';
import { counter, createLogger, prometheusMetrics, shutdownTelemetry } from '@demo/telemetry';
import { connectDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { outbox } from './db/schema.js';
import { UserRepository } from './db/users-repository.js';
import { loadEnv } from './env.js';
import { subscribeOrderOutcomes } from './events/order-outcomes.js';
import { producedEvents } from './events/publishing.js';
import { API_INFO } from './http/api.js';
import { readinessChecks } from './http/readiness.js';
import { userRoutes } from './http/users.js';

/** Composition root: env → logger → database → bus → outbox relay → HTTP → shutdown. */
async function main(): Promise<void> {
  const env = loadEnv();
  const logger = createLogger();
  installLastResortHandlers(logger, { beforeExit: () => shutdownTelemetry() });

  await migrateDatabase(env.DATABASE_URL);
  logger.info('database migrated');
  const { pool, db } = connectDatabase(
    env.DATABASE_URL,
    (err) => logger.warn({ err }, 'idle PostgreSQL connection failed'),
    env,
  );

  const bus = await Bus.connect({ name: 'user-service', servers: env.NATS_URL.split(','), logger });
  await bus.provision(streams, { replicas: env.NATS_STREAM_REPLICAS });

  const store = new PostgresOutboxStore(db, outbox);
  const relay = new OutboxRelay({
    publisher: bus,
    store,
    contracts: producedEvents,
    logger: logger.child({ component: 'outbox' }),
    sweepIntervalMs: 2_000,
    crashAfterCommitOf: env.FAULT_CRASH_AFTER_COMMIT,
  });
  const users = new UserRepository(db, (events) => relay.committed(events));
  await subscribeOrderOutcomes(bus, users);
  relay.start();

  const usersCreated = counter('demo.users.created', { unit: '{user}', description: 'Users registered' });

  const http = createHttpServer(
    createApp({
      routes: userRoutes({ users, usersCreated }),
      logger,
      readiness: readinessChecks(pool, bus),
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      metrics: prometheusMetrics,
      openapi: API_INFO,
    }),
  );
  const address = await http.listen(env.PORT);
  logger.info({ port: address.port }, 'user-service listening');

  gracefulShutdown({
    http,
    logger,
    steps: [
      { name: 'outbox relay', run: () => relay.stop() },
      { name: 'bus', run: () => bus.close() },
      { name: 'telemetry', run: () => shutdownTelemetry() },
      { name: 'postgres', run: () => pool.end() },
    ],
  });
}

main().catch(async (error: unknown) => {
  createLogger().fatal({ err: error }, 'user-service failed to start');
  await shutdownTelemetry().catch(() => {});
  process.exit(1);
});
