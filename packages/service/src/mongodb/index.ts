export type { ConnectMongoOptions, MongoConnection, MongoCredentials } from './connect.js';
export { connectMongo, mongoAuth } from './connect.js';
export type { ClientView, StaleViewPolicy, WatchdogStep } from './stale-view.js';
export { nextStep } from './stale-view.js';
export type { WatchdogLogger, WatchdogOptions } from './watchdog.js';
export { watchMongoClient } from './watchdog.js';
