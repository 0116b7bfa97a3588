import { Bus, OutboxRelay } from '@demo/bus';
import { streams } from '@demo/contracts';
import { createApp, createHttpServer, gracefulShutdown } from '@demo/http';
import { counter, createLogger, shutdownTelemetry } from '@demo/telemetry';
import { connectMongo } from './db/client.js';
import { CustomersRepository } from './db/customers-repository.js';
import { DocumentLocks } from './db/document-locks.js';
import { OrdersRepository } from './db/orders-repository.js';
import { MongoOutboxStore } from './db/outbox-store.js';
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

const mongo = await connectMongo({
  url: env.MONGODB_URL,
  database: env.MONGODB_DATABASE,
  appName: SERVICE,
  waits: env,
});
const db = collections(mongo.db);
await ensureIndexes(db);
const locks = new DocumentLocks();
const orders = new OrdersRepository(db, locks);
const customers = new CustomersRepository(db, locks);

const bus = await Bus.connect({ name: SERVICE, servers: env.NATS_URL.split(','), logger });
await bus.provision(streams);

const relay = new OutboxRelay({
  publisher: bus,
  store: new MongoOutboxStore(db, locks),
  contracts: producedEvents,
  logger: logger.child({ component: 'outbox-relay' }),
  sweepIntervalMs: 2_000,
  crashAfterCommitOf: env.FAULT_CRASH_AFTER_COMMIT,
});
const saga = new OrderSaga({
  orders,
  customers,
  afterCommit: (events) => relay.committed(events),
  outcomes: counter<{ outcome: OrderOutcome }>('demo.orders', {
    description: 'Orders that reached an outcome: confirmed, rejected or cancelled',
    unit: '{order}',
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
