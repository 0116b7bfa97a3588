import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

/** The migrations drizzle-kit generated from `schema.ts` (same place from `src/db` and `dist/db`). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Key of the advisory lock that serializes instances migrating the same database. */
const LOCK_KEY = 'user-service:migrations';

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(cause: unknown) {
    super(`database migration failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Applies the pending migrations. Instances starting at once take turns on a session advisory
 * lock held by a dedicated connection: the first migrates, the others then find nothing to do.
 */
export async function migrateDatabase(url: string, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [LOCK_KEY]);
    try {
      await migrate(drizzle({ client }), { migrationsFolder });
    } catch (error) {
      throw new MigrationError(error);
    } finally {
      // Ending the session would release it too; unlocking keeps the order of events obvious.
      await client.query('select pg_advisory_unlock(hashtext($1))', [LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end();
  }
}
