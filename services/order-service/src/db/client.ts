import { type MongoWaits, mongoClientOptions } from '@demo/http';
import { type Db, MongoClient } from 'mongodb';

export interface Mongo {
  client: MongoClient;
  db: Db;
  /** For readiness: resolves when the server answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The service's own MongoDB user (its `authSource` in the URL); without them, the URL's user info. */
export interface MongoCredentials {
  MONGODB_USER?: string | undefined;
  MONGODB_PASSWORD?: string | undefined;
}

export async function connectMongo(options: {
  url: string;
  database: string;
  appName: string;
  /** Pool size and every wait's bound; without it, the driver's defaults and a 10 s server selection. */
  waits?: MongoWaits & MongoCredentials;
}): Promise<Mongo> {
  const user = options.waits?.MONGODB_USER;
  const client = new MongoClient(options.url, {
    appName: options.appName,
    // As driver options: they win over the URL's user info and need no URL encoding.
    ...(user ? { auth: { username: user, password: options.waits?.MONGODB_PASSWORD ?? '' } } : {}),
    ...(options.waits === undefined
      ? { serverSelectionTimeoutMS: 10_000 }
      : mongoClientOptions(options.waits)),
  });
  await client.connect();
  const db = client.db(options.database);
  return {
    client,
    db,
    ping: async () => {
      await db.command({ ping: 1 });
    },
    close: () => client.close(),
  };
}
