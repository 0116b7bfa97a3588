import { type MongoWaits, mongoClientOptions } from '@demo/http';
import { type Db, MongoClient } from 'mongodb';

export interface Mongo {
  client: MongoClient;
  db: Db;
}

/** The service's own MongoDB user (its `authSource` in the URL); without them, the URL's user info. */
export interface MongoCredentials {
  MONGODB_USER?: string | undefined;
  MONGODB_PASSWORD?: string | undefined;
}

/** User and password as driver options: they win over the URL's and need no URL encoding. */
export function mongoAuth(env: MongoCredentials | undefined): {
  auth?: { username: string; password: string };
} {
  return env?.MONGODB_USER
    ? { auth: { username: env.MONGODB_USER, password: env.MONGODB_PASSWORD ?? '' } }
    : {};
}

/** Connects and checks the server answers (the driver connects lazily otherwise). */
export async function connectMongo(
  url: string,
  database: string,
  waits?: MongoWaits & MongoCredentials,
): Promise<Mongo> {
  const client = new MongoClient(url, {
    appName: 'inventory-service',
    ...mongoAuth(waits),
    ...(waits === undefined ? { serverSelectionTimeoutMS: 10_000 } : mongoClientOptions(waits)),
  });
  await client.connect();
  const db = client.db(database);
  await db.command({ ping: 1 });
  return { client, db };
}

/** MongoDB's duplicate key error (also FerretDB's). */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
