import { PostgresOutboxStore } from '@demo/bus/postgres';
import { Faults, faultRoutes } from '@demo/fault-switches';
import { runService } from '@demo/service';
import { counter } from '@demo/telemetry';
import { connectDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { outbox } from './db/schema.js';
import { UserRepository } from './db/users-repository.js';
import { loadEnv } from './env.js';
import { API_INFO } from './http/api.js';
import { readinessChecks } from './http/readiness.js';
import { userRoutes } from './http/users.js';
import { userService } from './service.js';

/** Composition root: the shared start-up (env → logger → bus → consumers → relay → HTTP → shutdown) around this service's database. */
await runService({
  service: userService,
  loadEnv,
  start: async ({ env, logger, closeAtShutdown, outbox: relayOver }) => {
    const { pool, db } = connectDatabase(
      env.DATABASE_URL,
      (err) => logger.warn({ err }, 'idle PostgreSQL connection failed'),
      env,
    );
    closeAtShutdown('postgres', () => pool.end());
    // As the service's own role (the owner of its database), through the pool's credentials.
    await migrateDatabase(pool);
    logger.info('database migrated');

    const users = new UserRepository(db, relayOver(new PostgresOutboxStore(db, outbox)));
    const usersCreated = counter('demo.users.created', { unit: '{user}', description: 'Users registered' });
    const faults = Faults.fromEnv(process.env, logger);
    return {
      deps: { users, faults },
      routes: [...userRoutes({ users, usersCreated }), ...faultRoutes(faults)],
      readiness: readinessChecks(pool),
      openapi: API_INFO,
    };
  },
});
