import { fileURLToPath } from 'node:url';
import { migratePostgres } from '@demo/service/postgres';
import type pg from 'pg';

/** The committed drizzle-kit migrations (the same path from src/db and dist/db). */
export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Applies pending migrations under this service's advisory lock (see `migratePostgres`). */
export function runMigrations(pool: pg.Pool): Promise<void> {
  return migratePostgres({ database: pool, migrationsFolder, lockKey: 'inventory-service:migrate' });
}
