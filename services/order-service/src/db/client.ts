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
}): Promise<Mongo> {
  const client = new MongoClient(options.url, { appName: options.appName, serverSelectionTimeoutMS: 10_000 });
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
