import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

/** A migration that failed: names the service's lock key and keeps the driver's error as `cause`. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly lockKey: string,
    cause: unknown,
  ) {
    super(
      `database migration failed (${lockKey}): ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
  }
}

export interface MigrateOptions {
  /** A pool to borrow one connection from, or a connection string for a connection of its own. */
  database: pg.Pool | string;
  /** The folder of the drizzle-kit migrations (`drizzle/`). */
  migrationsFolder: string;
  /** This service's own advisory-lock key, e.g. `user-service:migrations` (hashed by PostgreSQL). */
  lockKey: string;
}

/**
 * Applies the pending drizzle-kit migrations. Instances starting at once take turns on a session
 * advisory lock (`pg_advisory_lock(hashtext($1))`, the key a bound parameter) held by one
 * connection: the first migrates, the others then find nothing to do.
 */
export async function migratePostgres(options: MigrateOptions): Promise<void> {
  const { database, lockKey } = options;
  const owned = typeof database === 'string' ? new pg.Client({ connectionString: database }) : undefined;
  const client = owned ?? (await (database as pg.Pool).connect());
  try {
    if (owned) await owned.connect();
    await client.query('select pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      await migrate(drizzle({ client }), { migrationsFolder: options.migrationsFolder });
    } catch (error) {
      throw new MigrationError(lockKey, error);
    } finally {
      // Ending the session would release it too; unlocking keeps the order of events obvious.
      await client.query('select pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => {});
    }
  } finally {
    if (owned) await owned.end();
    else (client as pg.PoolClient).release();
  }
}
