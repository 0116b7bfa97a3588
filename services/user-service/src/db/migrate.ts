import { fileURLToPath } from 'node:url';
import { migratePostgres } from '@demo/service/postgres';
import type pg from 'pg';

/** The migrations drizzle-kit generated from `schema.ts` (same place from `src/db` and `dist/db`). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Applies the pending migrations under this service's advisory lock (see `migratePostgres`). */
export function migrateDatabase(
  database: pg.Pool | string,
  migrationsFolder = MIGRATIONS_FOLDER,
): Promise<void> {
  return migratePostgres({ database, migrationsFolder, lockKey: 'user-service:migrations' });
}
