import { createLogger, shutdownTelemetry } from '@demo/telemetry';
import { connectDatabase } from './db/client.js';
import { migrateDatabase } from './db/migrate.js';
import { loadDatabaseEnv } from './env.js';
import { userService } from './service.js';

/** `npm run migrate`: applies the migrations to DATABASE_URL and exits (start-up does the same). */
const logger = createLogger({ service: userService.name });
try {
  const env = loadDatabaseEnv();
  logger.level = env.LOG_LEVEL;
  const { pool } = connectDatabase(
    env.DATABASE_URL,
    (err) => logger.warn({ err }, 'PostgreSQL connection failed'),
    env,
  );
  try {
    await migrateDatabase(pool);
  } finally {
    await pool.end();
  }
  logger.info('database migrated');
} catch (error) {
  logger.fatal({ err: error }, 'migration failed');
  process.exitCode = 1;
} finally {
  await shutdownTelemetry().catch((err: unknown) => logger.warn({ err }, 'telemetry flush failed'));
}
