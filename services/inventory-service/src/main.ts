import { PostgresOutboxStore } from '@demo/bus/postgres';
import { Faults, faultRoutes } from '@demo/fault-switches';
import { runService } from '@demo/service';
import { connectMongo } from '@demo/service/mongodb';
import { connectPostgres } from './db/client.js';
import { InventoryRepository } from './db/inventory-repository.js';
import { runMigrations } from './db/migrate.js';
import { ReservationRepository } from './db/reservation-repository.js';
import { outbox } from './db/schema.js';
import { StockLevelRepository } from './db/stock-level-repository.js';
import { loadEnv } from './env.js';
import { API_INFO, apiRoutes } from './http/api.js';
import { readinessChecks } from './http/readiness.js';
import { registerMetrics } from './metrics.js';
import { inventoryService } from './service.js';

/** Composition root: the shared start-up (env → logger → bus → consumers → relay → HTTP → shutdown) around this service's databases. */
await runService({
  service: inventoryService,
  loadEnv,
  start: async ({ env, logger, closeAtShutdown, outbox: relayOver }) => {
    const postgres = connectPostgres(
      env.DATABASE_URL,
      (err) => logger.error({ err }, 'idle PostgreSQL client error'),
      env,
    );
    closeAtShutdown('postgres', () => postgres.pool.end());
    await runMigrations(postgres.pool);
    logger.info({}, 'PostgreSQL migrations applied');
    const mongo = await connectMongo({
      url: env.MONGODB_URL,
      database: env.MONGODB_DATABASE,
      appName: inventoryService.name,
      env,
      logger: logger.child({ component: 'mongodb' }),
    });
    closeAtShutdown('mongodb', () => mongo.close());
    const stockLevels = new StockLevelRepository(mongo.db, env.LOW_STOCK_THRESHOLD);
    await stockLevels.ensureIndexes();

    const committed = relayOver(new PostgresOutboxStore(postgres.db, outbox));
    const items = new InventoryRepository(postgres.db, committed);
    const reservations = new ReservationRepository(postgres.pool, committed);
    const metrics = registerMetrics(items);
    const faults = Faults.fromEnv(process.env, logger);
    return {
      deps: {
        reservations,
        stockLevels,
        outcomes: metrics.reservations,
        faults: { switches: faults, slowQuery: (s) => postgres.pool.query('select pg_sleep($1)', [s]) },
      },
      routes: [...apiRoutes(items, stockLevels), ...faultRoutes(faults)],
      readiness: readinessChecks({ pool: postgres.pool, mongo: mongo.db }),
      openapi: API_INFO,
    };
  },
});
