import { MongoClient, type MongoClientOptions } from 'mongodb';
import { type ClientView, nextStep, type StaleViewPolicy } from './stale-view.js';

export interface WatchdogLogger {
  warn(object: Record<string, unknown>, message: string): void;
  debug(object: Record<string, unknown>, message: string): void;
}

export interface WatchdogOptions extends Partial<StaleViewPolicy> {
  /** The URL and options the client was made with (the probe connects the same way). */
  url: string;
  clientOptions: MongoClientOptions;
  logger: WatchdogLogger;
  /** How often the view is looked at. Default 5 s. */
  intervalMs?: number;
}

const DEFAULT_POLICY: StaleViewPolicy = { unknownForMs: 30_000, minReconnectIntervalMs: 60_000 };

/** One `ping` on a connection of its own, bounded: whether the server answers anyone. */
async function answersFromOutside(url: string, options: MongoClientOptions): Promise<boolean> {
  const probe = new MongoClient(url, {
    ...options,
    maxPoolSize: 1,
    serverSelectionTimeoutMS: 3_000,
    connectTimeoutMS: 3_000,
    monitorCommands: false,
  });
  try {
    await probe.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await probe.close().catch(() => {});
  }
}

/**
 * Keeps a MongoClient from staying wedged: when its server has been unknown (every operation
 * failing server selection) for longer than an outage explains while its monitor reported
 * nothing (in an outage it reports a failed heartbeat twice a second), and a fresh connection
 * reaches the server, the client's monitor has stopped seeing it (seen after FerretDB restarts
 * under load: the client failed selection for minutes with the error of the stop while the
 * server answered). The watchdog then closes and connects the same client: collections and
 * databases made from it keep working; operations in flight fail with a transient error and are
 * retried by their callers. Returns a stop function.
 */
export function watchMongoClient(client: MongoClient, options: WatchdogOptions): () => void {
  const policy: StaleViewPolicy = {
    unknownForMs: options.unknownForMs ?? DEFAULT_POLICY.unknownForMs,
    minReconnectIntervalMs: options.minReconnectIntervalMs ?? DEFAULT_POLICY.minReconnectIntervalMs,
  };
  const view: ClientView = { unknownSince: undefined, lastHeartbeatAt: Date.now() };
  let lastReconnectAt = Number.NEGATIVE_INFINITY;
  let busy = false;
  let stopped = false;

  const heard = () => {
    view.lastHeartbeatAt = Date.now();
  };
  const onDescription = (event: { newDescription: { servers: Map<string, { type: string }> } }) => {
    const known = [...event.newDescription.servers.values()].some((s) => s.type !== 'Unknown');
    if (known) view.unknownSince = undefined;
    else view.unknownSince ??= Date.now();
  };
  client.on('serverHeartbeatStarted', heard);
  client.on('serverHeartbeatSucceeded', heard);
  client.on('serverHeartbeatFailed', heard);
  client.on('topologyDescriptionChanged', onDescription);

  /** Set once the client was closed for a reconnect until `connect()` succeeds again. */
  let needsConnect = false;
  const connect = async () => {
    try {
      await client.connect();
      needsConnect = false;
    } catch (error) {
      // Without a topology every operation fails at once (MongoNotConnectedError, transient):
      // keep connecting, each tick, until it works.
      options.logger.warn({ err: error }, 'reconnecting the MongoDB client failed; trying again');
    }
  };

  const tick = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      if (needsConnect) {
        await connect();
        return;
      }
      const now = Date.now();
      if (nextStep(view, now, lastReconnectAt, policy) !== 'probe') return;
      if (!(await answersFromOutside(options.url, options.clientOptions)) || stopped) return;
      lastReconnectAt = Date.now();
      options.logger.warn(
        {
          unknownForMs: now - (view.unknownSince ?? now),
          sinceLastHeartbeatMs: now - view.lastHeartbeatAt,
        },
        'MongoDB answers a new connection but the client has not seen it: reconnecting the client',
      );
      needsConnect = true;
      await client.close();
      view.unknownSince = undefined;
      await connect();
    } catch (error) {
      options.logger.warn({ err: error }, 'MongoDB client watchdog: a check failed');
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs ?? 5_000);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    client.off('serverHeartbeatStarted', heard);
    client.off('serverHeartbeatSucceeded', heard);
    client.off('serverHeartbeatFailed', heard);
    client.off('topologyDescriptionChanged', onDescription);
  };
}
