import pg from 'pg';
import { withCredentials, withDatabase } from './urls.js';

/** A service's PostgreSQL database and the role that owns it (the only role the service has). */
export interface ServiceDatabase {
  database: string;
  role: string;
  password: string;
}

/**
 * The local stack's service databases (`npm run infra -- up`, `npm run dev`). The passwords are
 * for loopback development only; compose and Kubernetes take theirs from their own secrets.
 */
export const LOCAL_SERVICE_DATABASES = {
  'user-service': { database: 'users', role: 'user_service', password: 'user-service-dev' },
  'inventory-service': {
    database: 'inventory',
    role: 'inventory_service',
    password: 'inventory-service-dev',
  },
} as const satisfies Record<string, ServiceDatabase>;

/** How statement builders quote SQL identifiers and literals (a client's `escapeIdentifier`/`escapeLiteral`). */
export interface SqlQuote {
  identifier(name: string): string;
  literal(value: string): string;
}

/**
 * Runs `work` on a client connected to `adminUrl` (a superuser's URL), with that client's
 * quoting; the client ends when `work` settles.
 */
export async function withAdminClient<T>(
  adminUrl: string,
  work: (client: pg.Client, quote: SqlQuote) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client, {
      identifier: (name) => client.escapeIdentifier(name),
      literal: (value) => client.escapeLiteral(value),
    });
  } finally {
    await client.end();
  }
}

/** The databases every role may reach unless granted: none of the services' own, and not the admin's. */
const SHARED_DATABASES = ['postgres', 'template1'];

/**
 * What makes `spec.role` the owner of `spec.database` and nothing more: a login role without
 * superuser, CREATEDB, CREATEROLE, replication or RLS bypass; CONNECT on the database revoked from
 * PUBLIC, so other roles cannot enter it. Idempotent: an existing role gets this password and
 * these attributes again, an existing database this owner.
 */
export function serviceDatabaseStatements(
  spec: ServiceDatabase,
  quote: SqlQuote,
  exists: { role: boolean; database: boolean },
): string[] {
  const role = quote.identifier(spec.role);
  const database = quote.identifier(spec.database);
  const attributes = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT';
  return [
    exists.role
      ? `ALTER ROLE ${role} WITH ${attributes} PASSWORD ${quote.literal(spec.password)}`
      : `CREATE ROLE ${role} WITH ${attributes} PASSWORD ${quote.literal(spec.password)}`,
    exists.database
      ? `ALTER DATABASE ${database} OWNER TO ${role}`
      : `CREATE DATABASE ${database} OWNER ${role}`,
    `REVOKE ALL ON DATABASE ${database} FROM PUBLIC`,
  ];
}

/**
 * Takes CONNECT on the server's shared databases away from PUBLIC, once (service roles have no
 * business there; superusers keep it). Parallel callers may race on the same catalog row: the
 * loser finds the work done.
 */
export async function closeSharedDatabases(client: pg.Client): Promise<void> {
  for (const name of SHARED_DATABASES) {
    const open = await client.query<{ open: boolean }>(
      "select has_database_privilege('public', $1, 'CONNECT') as open",
      [name],
    );
    if (!open.rows[0]?.open) continue;
    try {
      await client.query(
        `REVOKE CONNECT, TEMPORARY ON DATABASE ${client.escapeIdentifier(name)} FROM PUBLIC`,
      );
    } catch (error) {
      if (!/concurrently/.test((error as Error).message)) throw error;
    }
  }
}

export class DatabaseProvisionError extends Error {
  constructor(
    readonly database: string,
    readonly role: string,
    cause: unknown,
  ) {
    super(
      `could not provision database ${database} for role ${role}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'DatabaseProvisionError';
  }
}

/**
 * Creates (or brings back to shape) each service's role and database on the server of
 * `adminUrl`, a superuser's URL. Answers each database's URL with the owning role's credentials.
 */
export async function provisionServiceDatabases(
  adminUrl: string,
  specs: readonly ServiceDatabase[],
): Promise<string[]> {
  return withAdminClient(adminUrl, async (client, quote) => {
    await closeSharedDatabases(client);
    const urls: string[] = [];
    for (const spec of specs) {
      try {
        const role = await client.query('select 1 from pg_roles where rolname = $1', [spec.role]);
        const database = await client.query('select 1 from pg_database where datname = $1', [spec.database]);
        const exists = { role: (role.rowCount ?? 0) > 0, database: (database.rowCount ?? 0) > 0 };
        for (const statement of serviceDatabaseStatements(spec, quote, exists)) await client.query(statement);
      } catch (error) {
        throw new DatabaseProvisionError(spec.database, spec.role, error);
      }
      urls.push(withCredentials(withDatabase(adminUrl, spec.database), spec.role, spec.password));
    }
    return urls;
  });
}

/** Drops a service database and then its role (the role must own nothing else). */
export async function dropServiceDatabase(
  adminUrl: string,
  spec: Omit<ServiceDatabase, 'password'>,
): Promise<void> {
  await withAdminClient(adminUrl, async (client, quote) => {
    await client.query(`drop database if exists ${quote.identifier(spec.database)} with (force)`);
    await client.query(`drop role if exists ${quote.identifier(spec.role)}`);
  });
}

/** Creates each database that does not exist yet on the server of `adminUrl` (owned by the admin). */
export async function createDatabases(adminUrl: string, names: readonly string[]): Promise<void> {
  await withAdminClient(adminUrl, async (client, quote) => {
    for (const name of names) {
      const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`create database ${quote.identifier(name)}`);
    }
  });
}
