import { type MongoWaits, mongoClientOptions } from '@demo/http';
import { type Db, MongoClient } from 'mongodb';

export interface Mongo {
  client: MongoClient;
  db: Db;
}

/** Connects and checks the server answers (the driver connects lazily otherwise). */
export async function connectMongo(url: string, database: string, waits?: MongoWaits): Promise<Mongo> {
  const client = new MongoClient(url, {
    appName: 'inventory-service',
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
