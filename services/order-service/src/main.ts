import { runService } from '@demo/service';
import { counter } from '@demo/telemetry';
import { connectMongo } from './db/client.js';
import { CustomersRepository } from './db/customers-repository.js';
import { DocumentLocks } from './db/document-locks.js';
import { OrdersRepository } from './db/orders-repository.js';
import { MongoOutboxStore } from './db/outbox-store.js';
import { collections, ensureIndexes } from './db/schema.js';
import type { OrderOutcome } from './domain/order.js';
import { loadEnv } from './env.js';
import { OrderSaga } from './events/order-saga.js';
import { orderRoutes } from './http/orders.js';
import { readinessChecks } from './http/readiness.js';
import { orderService } from './service.js';

/** Composition root: the shared start-up (env → logger → bus → consumers → relay → HTTP → shutdown) around this service's MongoDB. */
await runService({
  service: orderService,
  loadEnv,
  start: async ({ env, logger, closeAtShutdown, outbox }) => {
    const mongo = await connectMongo({
      url: env.MONGODB_URL,
      database: env.MONGODB_DATABASE,
      appName: orderService.name,
    });
    closeAtShutdown('mongodb', () => mongo.close());
    const db = collections(mongo.db);
    await ensureIndexes(db);
    const locks = new DocumentLocks();
    const orders = new OrdersRepository(db, locks);
    const customers = new CustomersRepository(db, locks);

    const saga = new OrderSaga({
      orders,
      customers,
      committed: outbox(new MongoOutboxStore(db, locks)),
      outcomes: counter<{ outcome: OrderOutcome }>('demo.orders', {
        description: 'Orders that reached an outcome: confirmed, rejected or cancelled',
        unit: '{order}',
      }),
      logger,
    });
    return {
      deps: { customers, saga },
      routes: orderRoutes({ orders, saga }),
      readiness: readinessChecks(mongo),
    };
  },
});
