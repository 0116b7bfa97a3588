import { Bus, installLastResortHandlers, OutboxRelay, type PendingEvent } from '@demo/bus';
import { PostgresOutboxStore } from '@demo/bus/postgres';
import {
  InventoryRejected,
  InventoryReleased,
  InventoryReserved,
  InventoryStockChanged,
  streams,
} from '@demo/contracts';
import { createApp, createHttpServer, gracefulShutdown } from '@demo/http';
import { createLogger, type Logger, prometheusMetrics, shutdownTelemetry } from '@demo/telemetry';
import { connectPostgres } from './db/client.js';
import { InventoryRepository } from './db/inventory-repository.js';
import { runMigrations } from './db/migrate.js';
import { connectMongo } from './db/mongo.js';
import { ReservationRepository } from './db/reservation-repository.js';
import { outbox } from './db/schema.js';
import { StockLevelRepository } from './db/stock-level-repository.js';
import { readEnv } from './env.js';
import { SERVICE, subscribeAll } from './events/subscriptions.js';
import { API_INFO, apiRoutes } from './http/api.js';
import { readinessChecks } from './http/readiness.js';
import { registerMetrics } from './metrics.js';

/** The events this service writes to its outbox, for the relay. */
const PRODUCES = [InventoryReserved, InventoryRejected, InventoryReleased, InventoryStockChanged];
const CONSUMERS = 3;

async function main(logger: Logger): Promise<void> {
  const env = readEnv();

  const postgres = connectPostgres(
    env.DATABASE_URL,
    (err) => logger.error({ err }, 'idle PostgreSQL client error'),
    env,
  );
  await runMigrations(postgres.pool);
  logger.info({}, 'PostgreSQL migrations applied');
  const mongo = await connectMongo(env.MONGODB_URL, env.MONGODB_DATABASE, env);
  const stockLevels = new StockLevelRepository(mongo.db, env.LOW_STOCK_THRESHOLD);
  await stockLevels.ensureIndexes();

  const bus = await Bus.connect({ name: SERVICE, servers: env.NATS_URL.split(','), logger });
  await bus.provision(streams, { replicas: env.NATS_STREAM_REPLICAS });

  const relay = new OutboxRelay({
    publisher: bus,
    store: new PostgresOutboxStore(postgres.db, outbox),
    contracts: PRODUCES,
    logger,
    sweepIntervalMs: 2_000,
    crashAfterCommitOf: env.FAULT_CRASH_AFTER_COMMIT,
  });
  const committed = (events: readonly PendingEvent[]) => relay.committed(events);
  const items = new InventoryRepository(postgres.db, committed);
  const reservations = new ReservationRepository(postgres.db, committed);
  const metrics = registerMetrics(items);

  await subscribeAll(bus, { reservations, stockLevels, outcomes: metrics.reservations });
  // Started after the bus: its first pass publishes what a crash left in the outbox.
  relay.start();

  const http = createHttpServer(
    createApp({
      routes: apiRoutes(items, stockLevels),
      logger,
      readiness: readinessChecks({ pool: postgres.pool, mongo: mongo.db, bus, consumers: CONSUMERS }),
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      metrics: prometheusMetrics,
      openapi: API_INFO,
    }),
  );
  const address = await http.listen(env.PORT);
  logger.info({ port: address.port }, 'inventory-service listening');

  gracefulShutdown({
    http,
    logger,
    steps: [
      { name: 'outbox relay', run: () => relay.stop() },
      { name: 'bus', run: () => bus.close() },
      { name: 'telemetry', run: () => shutdownTelemetry() },
      { name: 'postgres', run: () => postgres.pool.end() },
      { name: 'mongodb', run: () => mongo.client.close() },
    ],
  });
}

const logger = createLogger({ service: SERVICE });
installLastResortHandlers(logger, { beforeExit: () => shutdownTelemetry() });
main(logger).catch((err: unknown) => {
  logger.fatal({ err }, 'inventory-service failed to start');
  process.exit(1);
});
