import { Bus, installLastResortHandlers, OutboxRelay } from '@demo/bus';
import { streams } from '@demo/contracts';
import { createApp, createHttpServer, gracefulShutdown } from '@demo/http';
import { counter, createLogger, histogram, prometheusMetrics, shutdownTelemetry } from '@demo/telemetry';
import { connectMongo } from './db/client.js';
import { CustomersRepository } from './db/customers-repository.js';
import { DocumentLocks } from './db/document-locks.js';
import { OrdersRepository } from './db/orders-repository.js';
import { MongoOutboxStore } from './db/outbox-store.js';
import { PendingEventsLog } from './db/pending-events.js';
import { collections, ensureIndexes } from './db/schema.js';
import type { OrderOutcome } from './domain/order.js';
import { EnvError, loadEnv } from './env.js';
import { OrderSaga } from './events/order-saga.js';
import { producedEvents } from './events/publishing.js';
import { SERVICE, subscribeAll } from './events/subscriptions.js';
import { API_INFO } from './http/api.js';
import { orderRoutes } from './http/orders.js';
import { readinessChecks } from './http/readiness.js';

function environment() {
  try {
    return loadEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    process.stderr.write(`${SERVICE}: ${error.message}\n`);
    process.exit(1);
  }
}

const env = environment();
const logger = createLogger({ service: SERVICE });
installLastResortHandlers(logger, { beforeExit: () => shutdownTelemetry() });

const mongo = await connectMongo({
  url: env.MONGODB_URL,
  database: env.MONGODB_DATABASE,
  appName: SERVICE,
  waits: env,
});
const db = collections(mongo.db);
await ensureIndexes(db);
const locks = new DocumentLocks();
const orders = new OrdersRepository(db, locks, new PendingEventsLog(db, logger));
const customers = new CustomersRepository(db, locks);

const bus = await Bus.connect({ name: SERVICE, servers: env.NATS_URL.split(','), logger });
await bus.provision(streams, { replicas: env.NATS_STREAM_REPLICAS });

const relay = new OutboxRelay({
  publisher: bus,
  store: new MongoOutboxStore(db, { logger }),
  contracts: producedEvents,
  logger: logger.child({ component: 'outbox-relay' }),
  sweepIntervalMs: 2_000,
  crashAfterCommitOf: env.FAULT_CRASH_AFTER_COMMIT,
});
const saga = new OrderSaga({
  orders,
  customers,
  afterCommit: (events) => relay.committed(events),
  outcomes: counter<{ outcome: OrderOutcome; reason: string }>('demo.orders', {
    description: 'Orders that reached an outcome: confirmed, rejected or cancelled, with the reason',
    unit: '{order}',
  }),
  durations: histogram<{ outcome: OrderOutcome }>('demo.order.saga.duration', {
    description: 'Time from placing an order to its outcome',
    unit: 's',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  }),
  logger,
});
await subscribeAll(bus, { customers, saga });
relay.start();

const http = createHttpServer(
  createApp({
    routes: orderRoutes({ orders, saga }),
    logger,
    readiness: readinessChecks(mongo, bus),
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    metrics: prometheusMetrics,
    openapi: API_INFO,
  }),
);
const address = await http.listen(env.PORT);
logger.info({ port: address.port }, `${SERVICE} listening`);

gracefulShutdown({
  http,
  logger,
  steps: [
    { name: 'outbox relay', run: () => relay.stop() },
    { name: 'bus', run: () => bus.close() },
    { name: 'telemetry', run: () => shutdownTelemetry() },
    { name: 'mongodb', run: () => mongo.close() },
  ],
});
