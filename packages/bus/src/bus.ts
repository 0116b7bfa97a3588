import { readFileSync } from 'node:fs';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type ConnectionOptions, credsAuthenticator, type NatsConnection } from '@nats-io/nats-core';
import { connect as natsConnect } from '@nats-io/transport-node';
import type { BatchObservableResult } from '@opentelemetry/api';
import type { EventContract, EventData, StreamDefinition } from './contract.js';
import { ConnectionClosedError } from './errors.js';
import { createInstruments, type Instruments, type UnsampledParents } from './instruments.js';
import { type BusLogger, jsonLogger } from './logger.js';
import { type PublishAck, Publisher, type PublishOptions } from './publisher.js';
import { type ProvisionResult, provisionStream } from './streams.js';
import { type ConsumerState, type Handler, type SubscribeOptions, Subscription } from './subscription.js';

export interface BusOptions {
  /** Connection name, shown by the server; also the default CloudEvents source (`/<name>`). */
  name: string;
  /** One URL or several, e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  user?: string;
  pass?: string;
  token?: string;
  /** Path of a `.creds` file (JWT + nkey seed). */
  credsFile?: string;
  /**
   * Prefix of the connection's reply subjects (publish acks, pulled messages). Default
   * `_INBOX_<name>` (non-alphanumerics as `_`): a NATS user may then be allowed to receive on its
   * own inboxes only.
   */
  inboxPrefix?: string;
  /** Reconnect attempts (-1: forever, the default) and the wait between them. */
  maxReconnectAttempts?: number;
  reconnectTimeWaitMs?: number;
  /** Default JetStream ack timeout for publish. Default 5 s. */
  publishTimeoutMs?: number;
  logger?: BusLogger;
  /**
   * Messages under a valid parent context that is not sampled: `forward` (default) gives them no
   * span and carries the parent's trace context on unchanged; `span` asks the sampler for each.
   * `forward` is exact with parent-based samplers (the SDK's default) and `always_off`; see
   * `UnsampledParents`.
   */
  unsampledParents?: UnsampledParents;
}

export interface BusHealth {
  /** False from a `disconnect` until the next `reconnect`: reconnecting is not connected. */
  connected: boolean;
  server?: string;
  consumers: ConsumerState[];
}

/** The connection's reply-subject prefix: `inboxPrefix`, or `_INBOX_<name>`. */
function inboxPrefixOf(options: BusOptions): string {
  return options.inboxPrefix ?? `_INBOX_${options.name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** The bus: one NATS connection, its JetStream contexts, a publisher and the subscriptions. */
export class Bus {
  private readonly subscriptions: Subscription[] = [];
  private readonly publisher: Publisher;
  private closing = false;
  /** What the connection's status stream last said: up after `reconnect`, down after `disconnect`. */
  private linkUp = true;
  private readonly observeConsumers: (result: BatchObservableResult) => Promise<void>;
  private readonly observeDeadLetters: (result: BatchObservableResult) => Promise<void>;

  private constructor(
    readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly instruments: Instruments,
    private readonly logger: BusLogger,
    options: BusOptions,
  ) {
    this.publisher = new Publisher({
      nc,
      inboxPrefix: inboxPrefixOf(options),
      instruments,
      source: `/${options.name}`,
      timeoutMs: options.publishTimeoutMs ?? 5_000,
      isClosed: () => this.closing || nc.isClosed(),
    });
    this.observeConsumers = async (result) => {
      await Promise.all(
        this.subscriptions.map(async (sub) => {
          const attributes = {
            'messaging.system': 'nats',
            'messaging.destination.name': sub.event.subject,
            'messaging.consumer.group.name': sub.durable,
          };
          try {
            const counts = await sub.counts();
            result.observe(instruments.pending, counts.pending, attributes);
            result.observe(instruments.ackPending, counts.ackPending, attributes);
          } catch (error) {
            logger.debug({ err: error, consumer: sub.durable }, 'consumer info unavailable for metrics');
          }
        }),
      );
    };
    instruments.meter.addBatchObservableCallback(this.observeConsumers, [
      instruments.pending,
      instruments.ackPending,
    ]);
    this.observeDeadLetters = async (result) => {
      // Each dead-letter stream once, with its count by subject; 0 for a subscription without any.
      const byStream = new Map<string, Set<string>>();
      for (const sub of this.subscriptions) {
        const stream = sub.deadLetterStream;
        if (stream) byStream.set(stream, (byStream.get(stream) ?? new Set()).add(`dlq.${sub.event.subject}`));
      }
      await Promise.all(
        [...byStream].map(async ([stream, subjects]) => {
          try {
            const info = await this.jsm.streams.info(stream, { subjects_filter: 'dlq.>' });
            const counts = info.state.subjects ?? {};
            for (const subject of new Set([...subjects, ...Object.keys(counts)])) {
              result.observe(instruments.dlqMessages, counts[subject] ?? 0, {
                'messaging.system': 'nats',
                'messaging.nats.stream.name': stream,
                'messaging.destination.name': subject.slice('dlq.'.length),
              });
            }
          } catch (error) {
            logger.debug({ err: error, stream }, 'dead-letter stream info unavailable for metrics');
          }
        }),
      );
    };
    instruments.meter.addBatchObservableCallback(this.observeDeadLetters, [instruments.dlqMessages]);
  }

  /** Connects (with reconnects) and prepares JetStream. */
  static async connect(options: BusOptions): Promise<Bus> {
    const logger = (options.logger ?? jsonLogger()).child({ component: 'bus' });
    const connection: ConnectionOptions = {
      name: options.name,
      servers: options.servers,
      user: options.user,
      pass: options.pass,
      token: options.token,
      inboxPrefix: inboxPrefixOf(options),
      maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 1_000,
    };
    if (options.credsFile) connection.authenticator = credsAuthenticator(readFileSync(options.credsFile));
    const nc = await natsConnect(connection);
    const bus = new Bus(
      nc,
      jetstream(nc),
      await jetstreamManager(nc),
      createInstruments(options.unsampledParents),
      logger,
      options,
    );
    bus.watchStatus();
    logger.info({ server: nc.getServer() }, 'connected to NATS');
    return bus;
  }

  private watchStatus(): void {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (
          status.type === 'disconnect' ||
          status.type === 'reconnecting' ||
          status.type === 'staleConnection'
        ) {
          this.linkUp = false;
        } else if (status.type === 'reconnect') {
          this.linkUp = true;
        }
        if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') {
          this.logger.warn(
            { status: status.type, server: 'server' in status ? status.server : undefined },
            'NATS connection status',
          );
        }
      }
    })();
  }

  /**
   * Creates, updates, or refuses (StreamConfigConflictError) each stream. `replicas` overrides
   * the definitions' replica count: 1 on a single server, 3 on a 3-node cluster.
   */
  async provision(
    streams: readonly StreamDefinition[],
    options: { replicas?: number } = {},
  ): Promise<ProvisionResult[]> {
    const results: ProvisionResult[] = [];
    for (const definition of streams) {
      const stream =
        options.replicas === undefined ? definition : { ...definition, replicas: options.replicas };
      const result = await provisionStream(this.jsm, stream);
      if (result.outcome !== 'unchanged') this.logger.info({ ...result }, 'stream provisioned');
      results.push(result);
    }
    return results;
  }

  publish<E extends EventContract>(
    event: E,
    data: EventData<E>,
    options?: PublishOptions,
  ): Promise<PublishAck> {
    return this.publisher.publish(event, data, options);
  }

  /** Binds a durable pull consumer to `event` and starts delivering to `handler`. */
  async subscribe<E extends EventContract>(
    event: E,
    handler: Handler<E>,
    options: SubscribeOptions,
  ): Promise<Subscription<E>> {
    if (this.closing || this.nc.isClosed()) throw new ConnectionClosedError(`subscribe to ${event.subject}`);
    if (this.subscriptions.some((s) => s.durable === options.durable && s.event.subject === event.subject)) {
      throw new Error(`consumer ${options.durable} already subscribes to ${event.subject} in this process`);
    }
    const subscription = new Subscription(
      {
        js: this.js,
        jsm: this.jsm,
        instruments: this.instruments,
        logger: this.logger,
        maxPayload: () => this.nc.info?.max_payload ?? 1024 * 1024,
      },
      event,
      handler,
      options,
    );
    await subscription.start();
    this.subscriptions.push(subscription as unknown as Subscription);
    return subscription;
  }

  /** For readiness endpoints: connection and consumer state. */
  health(): BusHealth {
    const connected = this.linkUp && !this.closing && !this.nc.isClosed() && this.nc.getServer() !== '';
    return {
      connected,
      server: connected ? this.nc.getServer() : undefined,
      consumers: this.subscriptions.map((s) => s.state()),
    };
  }

  /** A round trip to the server, in ms: rejects when it does not answer (e.g. while reconnecting). */
  rtt(): Promise<number> {
    return this.nc.rtt();
  }

  /**
   * Graceful close: stop pulling, let in-flight handlers finish and ack (up to `timeoutMs`),
   * then drain the connection (pending acks and publishes are flushed).
   */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const started = Date.now();
    await Promise.all(this.subscriptions.map((s) => s.stop(timeoutMs)));
    this.instruments.meter.removeBatchObservableCallback(this.observeConsumers, [
      this.instruments.pending,
      this.instruments.ackPending,
    ]);
    this.instruments.meter.removeBatchObservableCallback(this.observeDeadLetters, [
      this.instruments.dlqMessages,
    ]);
    if (!this.nc.isClosed()) {
      await this.nc
        .flush()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'flush before drain failed'));
      await this.nc.drain().catch((error: unknown) => this.logger.warn({ err: error }, 'drain failed'));
    }
    this.publisher.close();
    this.logger.info({ ms: Date.now() - started }, 'bus closed');
  }
}
