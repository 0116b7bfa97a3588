import { type MongoWaits, mongoClientOptions } from '@demo/http';
import { type Db, MongoClient, type MongoClientOptions } from 'mongodb';
import { type WatchdogLogger, type WatchdogOptions, watchMongoClient } from './watchdog.js';

/** The service's own MongoDB user (its `authSource` in the URL); without them, the URL's user info. */
export interface MongoCredentials {
  MONGODB_USER?: string | undefined;
  MONGODB_PASSWORD?: string | undefined;
}

export interface MongoConnection {
  client: MongoClient;
  db: Db;
  /** For readiness: resolves when the server answers. */
  ping(): Promise<void>;
  /** Stops the watchdog and closes the client. */
  close(): Promise<void>;
}

export interface ConnectMongoOptions {
  url: string;
  database: string;
  /** The driver's `appName` (the service's name: it shows in the server's logs and `currentOp`). */
  appName: string;
  /** Pool size and every wait's bound, and the credentials; without them, the driver's defaults and a 10 s server selection. */
  env?: MongoWaits & MongoCredentials;
  logger: WatchdogLogger;
  /** The watchdog's timing (see `watchMongoClient`); defaults suit a service. */
  watchdog?: Pick<WatchdogOptions, 'unknownForMs' | 'minReconnectIntervalMs' | 'intervalMs'>;
}

/** User and password as driver options: they win over the URL's and need no URL encoding. */
export function mongoAuth(env: MongoCredentials | undefined): Pick<MongoClientOptions, 'auth'> {
  return env?.MONGODB_USER
    ? { auth: { username: env.MONGODB_USER, password: env.MONGODB_PASSWORD ?? '' } }
    : {};
}

/**
 * Connects a service to its MongoDB database, checks that the server answers (the driver
 * connects lazily otherwise) and keeps the client from staying wedged after a server restart
 * (`watchMongoClient`).
 */
export async function connectMongo(options: ConnectMongoOptions): Promise<MongoConnection> {
  const clientOptions: MongoClientOptions = {
    appName: options.appName,
    ...mongoAuth(options.env),
    ...(options.env === undefined ? { serverSelectionTimeoutMS: 10_000 } : mongoClientOptions(options.env)),
  };
  const client = new MongoClient(options.url, clientOptions);
  await client.connect();
  const db = client.db(options.database);
  await db.command({ ping: 1 });
  const stopWatching = watchMongoClient(client, {
    url: options.url,
    clientOptions,
    logger: options.logger,
    ...options.watchdog,
  });
  return {
    client,
    db,
    ping: async () => {
      await db.command({ ping: 1 });
    },
    close: async () => {
      stopWatching();
      await client.close();
    },
  };
}
