import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';

/** The committed drizzle-kit migrations (the same path from src/db and dist/db). */
export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Any constant works as long as it is this service's own: `hashtext('inventory-service:migrate')`. */
const LOCK_KEY = "hashtext('inventory-service:migrate')";

/**
 * Applies pending migrations under a session-level advisory lock, so two instances starting at
 * once take turns: the second waits, then finds nothing left to apply.
 */
export async function runMigrations(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`select pg_advisory_lock(${LOCK_KEY})`);
    try {
      await migrate(drizzle({ client }), { migrationsFolder });
    } finally {
      await client.query(`select pg_advisory_unlock(${LOCK_KEY})`);
    }
  } finally {
    client.release();
  }
}
