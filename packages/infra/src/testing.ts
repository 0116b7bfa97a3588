import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { dropServiceDatabase, provisionServiceDatabases } from './databases.js';
import { type LOCAL_SERVICE_MONGODB_USERS, mongoServiceEnv } from './ferretdb-users.js';
import { OtlpSinkClient } from './otlp-sink-client.js';
import { HOW_TO_GET_SERVERS } from './resolve.js';

export interface TestServers {
  natsUrl: string;
  databaseUrl: string;
  mongoUrl: string;
  otlpEndpoint: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run the tests with \`npm test\` (the @demo/infra global setup provides the servers).\n${HOW_TO_GET_SERVERS}`,
    );
  }
  return value;
}

/** The servers of this test run, as the global setup published them. */
export function testServers(): TestServers {
  return {
    natsUrl: required('NATS_URL'),
    databaseUrl: required('DATABASE_URL'),
    mongoUrl: required('MONGODB_URL'),
    otlpEndpoint: required('OTEL_EXPORTER_OTLP_ENDPOINT'),
  };
}

/**
 * The MongoDB variables of a service a test starts: with the local FerretDB on PostgreSQL, the
 * service's own user (`LOCAL_SERVICE_MONGODB_USERS`, PLAIN) on this run's server; elsewhere its
 * `MONGODB_URL` as it is. Tests reading documents themselves use `testServers().mongoUrl`, the admin.
 */
export function serviceMongoEnv(service: keyof typeof LOCAL_SERVICE_MONGODB_USERS): Record<string, string> {
  return mongoServiceEnv(testServers().mongoUrl, process.env.MONGODB_SERVICE_USERS, service);
}

/**
 * What `work` answers with a client connected as `service`'s own MongoDB user (the service's
 * variables of `serviceMongoEnv`, given to the driver as the services give them), or the server's
 * refusal as its message: for tests of who may read what.
 */
export async function asServiceMongoUser<T>(
  service: keyof typeof LOCAL_SERVICE_MONGODB_USERS,
  work: (client: MongoClient) => Promise<T>,
): Promise<T | string> {
  const env = serviceMongoEnv(service);
  const client = new MongoClient(env.MONGODB_URL ?? '', {
    serverSelectionTimeoutMS: 5_000,
    ...(env.MONGODB_USER
      ? { auth: { username: env.MONGODB_USER, password: env.MONGODB_PASSWORD ?? '' } }
      : {}),
  });
  try {
    return await work(client);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.close();
  }
}

/** A name no other suite of this run uses: for streams, consumers, databases, collections. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`.replace(/[^A-Za-z0-9_]/g, '_');
}

export interface TestDatabase {
  name: string;
  /** The role that owns the database, the only one (besides superusers) that may connect. */
  role: string;
  password: string;
  /** The owner's URL: what a service under test gets as its `DATABASE_URL`. */
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates a PostgreSQL database of its own for one suite, owned by a role of its own the way a
 * service's database is (no superuser, no CREATEDB/CREATEROLE, CONNECT revoked from PUBLIC), with
 * a password that needs URL encoding; `drop()` removes both.
 */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const adminUrl = testServers().databaseUrl;
  const name = uniqueName(prefix).toLowerCase();
  const spec = { database: name, role: name, password: `${randomBytes(9).toString('hex')}-p@ss:w/rd%?#&` };
  const [url = ''] = await provisionServiceDatabases(adminUrl, [spec]);
  return {
    name,
    role: spec.role,
    password: spec.password,
    url,
    drop: () => dropServiceDatabase(adminUrl, spec),
  };
}

/** The test receiver that stands in for Tempo, Loki and Prometheus behind the collector. */
export function otlpSink(): OtlpSinkClient {
  return new OtlpSinkClient(required('OTLP_SINK_URL'));
}

/**
 * Polls `probe` until `ok` holds for what it returns, then returns that value; fails after
 * `timeoutMs` naming `what` and the last value seen.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!ok(value)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await probe();
  }
  return value;
}
