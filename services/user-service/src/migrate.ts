import { createLogger, shutdownTelemetry } from '@demo/telemetry';
import { migrateDatabase } from './db/migrate.js';
import { loadDatabaseEnv } from './env.js';

/** `npm run migrate`: applies the migrations to DATABASE_URL and exits (start-up does the same). */
const logger = createLogger();
try {
  await migrateDatabase(loadDatabaseEnv().DATABASE_URL);
  logger.info('database migrated');
} catch (error) {
  logger.fatal({ err: error }, 'migration failed');
  process.exitCode = 1;
} finally {
  await shutdownTelemetry().catch(() => {});
}
