import { Faults, faultRoutes } from '@demo/fault-switches';
import { runService } from '@demo/service';
import { connectMongo } from '@demo/service/mongodb';
import { counter, histogram } from '@demo/telemetry';
import { CustomersRepository } from './db/customers-repository.js';
import { DocumentLocks } from './db/document-locks.js';
import { OrdersRepository } from './db/orders-repository.js';
import { MongoOutboxStore } from './db/outbox-store.js';
import { PendingEventsLog } from './db/pending-events.js';
import { SagaDeadlines } from './db/saga-deadlines.js';
import { collections, ensureIndexes } from './db/schema.js';
import type { OrderOutcome } from './domain/order.js';
import { loadEnv } from './env.js';
import { OrderSaga } from './events/order-saga.js';
import { SagaDeadlineSweep } from './events/saga-deadline.js';
import { API_INFO } from './http/api.js';
import { orderRoutes } from './http/orders.js';
import { readinessChecks } from './http/readiness.js';
import { orderService } from './service.js';

/** Composition root: the shared start-up (env → logger → bus → consumers → relay → HTTP → shutdown) around this service's MongoDB. */
await runService({
  service: orderService,
  loadEnv,
  start: async ({ env, logger, bus, closeAtShutdown, stopFirstAtShutdown, outbox }) => {
    const mongo = await connectMongo({
      url: env.MONGODB_URL,
      database: env.MONGODB_DATABASE,
      appName: orderService.name,
      env,
      logger: logger.child({ component: 'mongodb' }),
    });
    closeAtShutdown('mongodb', () => mongo.close());
    const db = collections(mongo.db);
    await ensureIndexes(db);
    const locks = new DocumentLocks();
    const orders = new OrdersRepository(
      db,
      locks,
      new PendingEventsLog(db, logger),
      outbox(new MongoOutboxStore(db, { logger })),
    );
    const customers = new CustomersRepository(db, locks);
    const deadlines = new SagaDeadlines(mongo.db);
    await deadlines.ensureIndexes();

    const saga = new OrderSaga({
      orders,
      customers,
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
      deadlines,
      deadlineMs: env.ORDER_SAGA_DEADLINE_MS,
    });
    const deadlineSweep = new SagaDeadlineSweep({
      deadlines,
      saga,
      logger,
      intervalMs: env.ORDER_SAGA_SWEEP_MS,
    });
    stopFirstAtShutdown('saga deadlines', () => deadlineSweep.stop());
    deadlineSweep.start();
    const faults = Faults.fromEnv(process.env, logger);
    // Poison messages for the demo: undecodable `orders.created`, straight onto the stream.
    faults.onPoison(async (count) => {
      for (let i = 0; i < count; i++)
        bus.nc.publish('orders.created', `poison message ${i + 1} of ${count}: not JSON`);
      await bus.nc.flush();
    });
    return {
      deps: { customers, saga },
      routes: [...orderRoutes({ orders, saga }), ...faultRoutes(faults)],
      readiness: readinessChecks(mongo),
      openapi: API_INFO,
    };
  },
});
