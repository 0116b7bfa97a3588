import { closeSharedDatabases, DatabaseProvisionError, type SqlQuote, withAdminClient } from './databases.js';
import { CATALOG_TABLE, everyTableStatements } from './ferretdb-tables.js';
import { withoutCredentials } from './urls.js';

/** The event trigger (and its function) that makes every new catalog readable by every role. */
const CATALOG_TRIGGER = 'ferretdb_share_catalog';

/**
 * A service's MongoDB user on the local FerretDB (PostgreSQL backend): a PostgreSQL role of
 * FerretDB's own backend, the identity FerretDB 1.x passes the client's PLAIN credentials on as.
 */
export interface ServiceMongoUser {
  /** The MongoDB database the service keeps its documents in (a schema of the backend). */
  database: string;
  user: string;
  password: string;
}

/**
 * The local stack's MongoDB users (compose and Kubernetes: `deploy/mongodb/service-users.js`).
 * Passwords for loopback development only.
 */
export const LOCAL_SERVICE_MONGODB_USERS = {
  'order-service': { database: 'orders', user: 'order_service', password: 'order-service-dev' },
  'inventory-service': {
    database: 'inventory',
    user: 'inventory_service',
    password: 'inventory-service-dev',
  },
} as const satisfies Record<string, ServiceMongoUser>;

/**
 * What makes `spec.user` a MongoDB user of FerretDB whose backend database is `backendDatabase`:
 * a login role without superuser, CREATEDB, CREATEROLE, replication or RLS bypass, with CONNECT
 * and CREATE on the backend database. Each MongoDB database is a schema there, owned by the role
 * that created it, so another service's role can neither read, write nor drop it. Idempotent.
 */
export function ferretDbUserStatements(
  spec: ServiceMongoUser,
  backendDatabase: string,
  quote: SqlQuote,
  exists: boolean,
): string[] {
  const role = quote.identifier(spec.user);
  const attributes = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT';
  return [
    `${exists ? 'ALTER' : 'CREATE'} ROLE ${role} WITH ${attributes} PASSWORD ${quote.literal(spec.password)}`,
    `GRANT CONNECT, CREATE ON DATABASE ${quote.identifier(backendDatabase)} TO ${role}`,
  ];
}

/**
 * FerretDB 1.x keeps one registry of every MongoDB database and collection, loaded from the
 * backend the first time after a start, by whichever client comes first and with that client's
 * role. A role sees only the schemas and tables it has a right on, so a registry loaded by one
 * service's user would not know the other's databases: that service's next write tries to create
 * its database again (`relation "_ferretdb_database_metadata" already exists`, 42P07) and the
 * admin sees none of its documents. So every database's catalog table
 * (`<schema>._ferretdb_database_metadata`: its collections' names, tables and indexes) is readable
 * by every role of the backend; the documents (one table per collection, owned by the role that
 * made it) stay the owner's only. These statements grant that on the catalogs that exist and, by
 * an event trigger, on every one made later. Idempotent.
 */
export function shareFerretDbCatalogsStatements(): string[] {
  return everyTableStatements({
    name: CATALOG_TRIGGER,
    body: `EXECUTE format('GRANT USAGE ON SCHEMA %I TO PUBLIC',
         (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.oid = tbl));
       EXECUTE format('GRANT SELECT ON %s TO PUBLIC', tbl);`,
    tables: `c.relname = '${CATALOG_TABLE}'`,
  });
}

/**
 * Provisions the MongoDB users of a FerretDB on PostgreSQL: `backendAdminUrl` is a superuser's
 * URL of FerretDB's backend database. Takes every right on that database (and CONNECT on the
 * shared ones) away from PUBLIC, makes every database's catalog readable by every role (see
 * `shareFerretDbCatalogsStatements`), then makes each user's role. Idempotent.
 */
export async function provisionFerretDbUsers(
  backendAdminUrl: string,
  specs: readonly ServiceMongoUser[],
): Promise<void> {
  await withAdminClient(backendAdminUrl, async (client, quote) => {
    const backend = (await client.query<{ db: string }>('select current_database() as db')).rows[0]?.db ?? '';
    await closeSharedDatabases(client);
    await client.query(`REVOKE ALL ON DATABASE ${quote.identifier(backend)} FROM PUBLIC`);
    for (const statement of shareFerretDbCatalogsStatements()) await client.query(statement);
    for (const spec of specs) {
      try {
        const exists = await client.query('select 1 from pg_roles where rolname = $1', [spec.user]);
        for (const statement of ferretDbUserStatements(spec, backend, quote, (exists.rowCount ?? 0) > 0))
          await client.query(statement);
      } catch (error) {
        throw new DatabaseProvisionError(spec.database, spec.user, error);
      }
    }
  });
}

/** `MONGODB_SERVICE_USERS` of a stack whose MongoDB holds `LOCAL_SERVICE_MONGODB_USERS`. */
export const LOCAL_MONGODB_USERS_MARK = 'local';

/**
 * The MongoDB variables of a service process: where the server holds the local stack's users
 * (`serviceUsers` is `MONGODB_SERVICE_USERS`, `local`), the service's own user and the URL
 * without the admin's user info (its query, `authMechanism=PLAIN`, kept); elsewhere (SQLite,
 * testcontainers' MongoDB without authorization, servers given by URL) the URL as it is.
 */
export function mongoServiceEnv(
  mongoUrl: string,
  serviceUsers: string | undefined,
  service: keyof typeof LOCAL_SERVICE_MONGODB_USERS,
): Record<string, string> {
  if (serviceUsers !== LOCAL_MONGODB_USERS_MARK) return { MONGODB_URL: mongoUrl };
  const spec = LOCAL_SERVICE_MONGODB_USERS[service];
  return {
    MONGODB_URL: withoutCredentials(mongoUrl),
    MONGODB_USER: spec.user,
    MONGODB_PASSWORD: spec.password,
  };
}
