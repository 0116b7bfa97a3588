import { type MongoWaits, mongoClientOptions } from '@demo/http';
import { type Db, MongoClient } from 'mongodb';

export interface Mongo {
  client: MongoClient;
  db: Db;
  /** For readiness: resolves when the server answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function connectMongo(options: {
  url: string;
  database: string;
  appName: string;
  /** Pool size and every wait's bound; without it, the driver's defaults and a 10 s server selection. */
  waits?: MongoWaits;
}): Promise<Mongo> {
  const client = new MongoClient(options.url, {
    appName: options.appName,
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
