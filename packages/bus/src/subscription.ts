import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { EventContract, EventData } from './contract.js';
import type { FieldIssue } from './errors.js';
import { ATTR, type Instruments, MESSAGING_SYSTEM } from './instruments.js';
import type { BusLogger } from './logger.js';
import { Semaphore } from './semaphore.js';
import { type VersionResolution, versionReader } from './versioning.js';
import { CE, copyHeaders, DLQ, headerRecord, messageGetter } from './wire.js';

/** What a handler learns about the message besides its typed data. */
export interface MessageContext {
  subject: string;
  /** `ce-id`, or `<stream>:<sequence>` for a message published without headers. */
  eventId: string;
  stream: string;
  streamSequence: number;
  /** 1 on the first delivery. */
  deliveryCount: number;
  /** `ce-time` if present, else when JetStream stored the message. */
  time: Date;
  headers: Readonly<Record<string, string>>;
  /** Bound to the message (subject, event id, delivery) and, through the active context, to its trace. */
  logger: BusLogger;
}

export type Handler<E extends EventContract> = (
  data: EventData<E>,
  ctx: MessageContext,
) => Promise<void> | void;

export interface SubscribeOptions {
  /** Durable consumer name (the consumer group): one per service and event. */
  durable: string;
  /** Handlers running at once in this process. Default 8. */
  concurrency?: number;
  /** Deliveries before a failing message is dead-lettered. Default 5. */
  maxDeliver?: number;
  /** Delay before redelivery after the n-th failure (the last value repeats). Default [1s, 5s, 15s, 30s]. */
  backoffMs?: readonly number[];
  /** How long the server waits for an ack before redelivering; long handlers are kept alive. Default 30 s. */
  ackWaitMs?: number;
  /** Unacknowledged messages the server allows across all instances. Default 1000. */
  maxAckPending?: number;
  /**
   * Versions of the event this consumer reads (by `ce-type`); older ones are upcast to the
   * handler's version, others are dead-lettered as `unsupported_version`. Default: every version
   * it can read (older ones with an upcaster chain, newer ones that validate against its schema).
   */
  versions?: readonly number[];
}

export type DeadLetterReason = 'unparseable' | 'schema_invalid' | 'unsupported_version' | 'handler_failed';

export interface ConsumerState {
  durable: string;
  subject: string;
  stream: string;
  running: boolean;
  inFlight: number;
}

export interface SubscriptionDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  instruments: Instruments;
  logger: BusLogger;
}

const DEFAULT_BACKOFF = [1_000, 5_000, 15_000, 30_000] as const;

class DeadLetter extends Error {
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
    readonly issues?: FieldIssue[],
  ) {
    super(message);
  }
}

/** One durable pull consumer delivering one event type to one handler, with bounded concurrency. */
export class Subscription<E extends EventContract = EventContract> {
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private stopping = false;
  private readonly slots: Semaphore;
  private readonly inFlight = new Set<Promise<void>>();
  /** Messages being handled and when they started, for the shared keep-alive timer. */
  private readonly working = new Map<JsMsg, number>();
  private keepAlive?: NodeJS.Timeout;
  /** Acks wait for the end of the current event-loop turn, so one socket write carries many. */
  private readonly acks: JsMsg[] = [];
  private ackFlush?: NodeJS.Immediate;
  private readonly concurrency: number;
  private readonly maxDeliver: number;
  private readonly backoff: readonly number[];
  private readonly ackWaitMs: number;
  private readonly attributes: Record<string, string>;
  private streamName = '';
  private readonly log: BusLogger;
  private readonly spanName: string;
  private readonly read: (type: string | undefined, raw: unknown) => VersionResolution<EventData<E>>;

  constructor(
    private readonly deps: SubscriptionDeps,
    readonly event: E,
    private readonly handler: Handler<E>,
    readonly options: SubscribeOptions,
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.maxDeliver = Math.max(1, options.maxDeliver ?? 5);
    this.backoff = options.backoffMs?.length ? options.backoffMs : DEFAULT_BACKOFF;
    this.ackWaitMs = options.ackWaitMs ?? 30_000;
    this.slots = new Semaphore(this.concurrency);
    this.attributes = {
      [ATTR.system]: MESSAGING_SYSTEM,
      [ATTR.destination]: event.subject,
      [ATTR.operationName]: 'process',
      [ATTR.operationType]: 'process',
      [ATTR.consumerGroup]: options.durable,
    };
    this.log = deps.logger.child({ subject: event.subject, consumer: options.durable });
    this.spanName = `process ${event.subject}`;
    this.read = versionReader(event, { accepts: options.versions });
  }

  get durable(): string {
    return this.options.durable;
  }

  get stream(): string {
    return this.streamName;
  }

  /** Creates or updates the durable consumer, then starts pulling. */
  async start(): Promise<void> {
    this.streamName = await this.deps.jsm.streams.find(this.event.subject);
    await this.provisionConsumer();
    const consumer = await this.deps.js.consumers.get(this.streamName, this.options.durable);
    this.messages = await consumer.consume({ max_messages: this.concurrency * 2 });
    this.loop = this.run(this.messages);
    // One timer per subscription (not one per message): tells the server that long handlers still work.
    const every = Math.max(500, Math.floor(this.ackWaitMs / 3));
    this.keepAlive = setInterval(() => {
      const now = performance.now();
      for (const [msg, started] of this.working) if (now - started >= every) msg.working();
    }, every);
    this.keepAlive.unref();
    this.log.info({ stream: this.streamName, concurrency: this.concurrency }, 'consumer started');
  }

  private consumerConfig(): Partial<ConsumerConfig> {
    return {
      durable_name: this.options.durable,
      filter_subject: this.event.subject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.ackWaitMs),
      // Redelivery is bounded by the bus (then dead-lettered), never dropped by the server.
      max_deliver: -1,
      max_ack_pending: this.options.maxAckPending ?? 1000,
      description: `${this.options.durable} <- ${this.event.subject}`,
    };
  }

  private async provisionConsumer(): Promise<void> {
    const wanted = this.consumerConfig();
    try {
      const info = await this.deps.jsm.consumers.info(this.streamName, this.options.durable);
      const current = info.config;
      const differs =
        current.filter_subject !== wanted.filter_subject ||
        current.ack_wait !== wanted.ack_wait ||
        current.max_deliver !== wanted.max_deliver ||
        current.max_ack_pending !== wanted.max_ack_pending ||
        current.description !== wanted.description;
      if (differs) await this.deps.jsm.consumers.update(this.streamName, this.options.durable, wanted);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound))
        throw error;
      await this.deps.jsm.consumers.add(this.streamName, wanted);
    }
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      if (this.stopping) {
        // Pulled but not started: hand it back for immediate redelivery.
        msg.nak();
        continue;
      }
      await this.slots.acquire();
      if (this.stopping) {
        this.slots.release();
        msg.nak();
        continue;
      }
      const task = this.process(msg).finally(() => {
        this.slots.release();
        this.inFlight.delete(task);
      });
      this.inFlight.add(task);
    }
  }

  private decode(msg: JsMsg): EventData<E> {
    let raw: unknown;
    try {
      raw = msg.json<unknown>();
    } catch (error) {
      throw new DeadLetter('unparseable', `payload is not JSON: ${(error as Error).message}`);
    }
    const type = msg.headers?.has(CE.type) ? msg.headers.get(CE.type) : undefined;
    const resolved = this.read(type, raw);
    if (!resolved.ok) throw new DeadLetter(resolved.reason, resolved.message, resolved.issues?.slice());
    return resolved.data;
  }

  private async process(msg: JsMsg): Promise<void> {
    const { tracer, consumed, processDuration } = this.deps.instruments;
    const delivery = new Delivery(msg, this.log);
    // The message itself is the carrier: its headers are decoded only if a propagator reads them.
    const parent = propagation.extract(ROOT_CONTEXT, msg, messageGetter);
    const span = tracer.startSpan(
      this.spanName,
      { kind: SpanKind.CONSUMER, attributes: this.attributes },
      parent,
    );
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR.messageId]: delivery.eventId,
        [ATTR.deliveryCount]: delivery.deliveryCount,
        [ATTR.streamName]: delivery.stream,
        [ATTR.streamSequence]: msg.seq,
        [ATTR.bodySize]: msg.data.length,
      });
    }
    const started = performance.now();
    this.working.set(msg, started);
    let errorType: string | undefined;
    const handle = async () => {
      try {
        const data = this.decode(msg);
        await this.handler(data, delivery);
        this.ack(msg);
        consumed.add(1, this.attributes);
      } catch (error) {
        errorType =
          error instanceof DeadLetter ? error.reason : error instanceof Error ? error.name : 'Error';
        fail(span, error);
        await this.onFailure(msg, error, delivery.logger, span);
      }
    };
    try {
      // Without a valid span (no tracing configured) there is no context to carry into the handler.
      await (isSpanContextValid(span.spanContext())
        ? context.with(trace.setSpan(parent, span), handle)
        : handle());
    } finally {
      this.working.delete(msg);
      processDuration.record(
        (performance.now() - started) / 1000,
        errorType ? { ...this.attributes, [ATTR.errorType]: errorType } : this.attributes,
      );
      span.end();
    }
  }

  private ack(msg: JsMsg): void {
    this.acks.push(msg);
    this.ackFlush ??= setImmediate(() => this.flushAcks());
  }

  private flushAcks(): void {
    if (this.ackFlush) clearImmediate(this.ackFlush);
    this.ackFlush = undefined;
    for (const msg of this.acks.splice(0)) msg.ack();
  }

  private async onFailure(msg: JsMsg, error: unknown, logger: BusLogger, span: Span): Promise<void> {
    const deliveryCount = msg.info.deliveryCount;
    if (error instanceof DeadLetter) {
      await this.deadLetter(msg, error.reason, error.message, logger, span);
      return;
    }
    if (deliveryCount >= this.maxDeliver) {
      await this.deadLetter(msg, 'handler_failed', errorMessage(error), logger, span);
      return;
    }
    const delay = this.backoff[Math.min(deliveryCount - 1, this.backoff.length - 1)] ?? 0;
    logger.warn({ err: error, retryInMs: delay, maxDeliver: this.maxDeliver }, 'handler failed; will retry');
    msg.nak(delay);
  }

  /** Publishes the message to `dlq.<subject>` with its headers and the reason, then terminates it. */
  private async deadLetter(
    msg: JsMsg,
    reason: DeadLetterReason,
    message: string,
    logger: BusLogger,
    span: Span,
  ) {
    const headers = copyHeaders(msg.headers);
    headers.set(DLQ.reason, reason);
    headers.set(DLQ.error, message.slice(0, 1024));
    headers.set(DLQ.deliveryCount, String(msg.info.deliveryCount));
    headers.set(DLQ.consumer, this.options.durable);
    headers.set(DLQ.stream, msg.info.stream);
    headers.set(DLQ.streamSequence, String(msg.seq));
    headers.set(DLQ.subject, msg.subject);
    headers.set(DLQ.time, new Date().toISOString());
    try {
      await this.deps.js.publish(`dlq.${msg.subject}`, msg.data, {
        headers,
        msgID: `dlq:${this.options.durable}:${msg.info.stream}:${msg.seq}`,
      });
    } catch (error) {
      const delay = this.backoff.at(-1) ?? 30_000;
      logger.error(
        { err: error, reason, retryInMs: delay },
        'dead-letter publish failed; message kept for redelivery',
      );
      msg.nak(delay);
      return;
    }
    msg.term(`${reason}: ${message}`.slice(0, 256));
    span.addEvent('dead-lettered', { 'dlq.reason': reason });
    this.deps.instruments.deadLetters.add(1, { ...this.attributes, 'dlq.reason': reason });
    logger.error({ reason, error: message, dlqSubject: `dlq.${msg.subject}` }, 'message dead-lettered');
  }

  state(): ConsumerState {
    return {
      durable: this.options.durable,
      subject: this.event.subject,
      stream: this.streamName,
      running: Boolean(this.messages) && !this.stopping,
      inFlight: this.inFlight.size,
    };
  }

  /** Pending and ack-pending counts as the server sees them (for the metrics gauges). */
  async counts(): Promise<{ pending: number; ackPending: number }> {
    const info = await this.deps.jsm.consumers.info(this.streamName, this.options.durable);
    return { pending: info.num_pending, ackPending: info.num_ack_pending };
  }

  /**
   * Stops pulling, hands back what was pulled but not started, and waits (up to `timeoutMs`)
   * for running handlers to finish and ack. Returns the number still running at the deadline.
   */
  async stop(timeoutMs: number): Promise<number> {
    if (this.stopping) return this.inFlight.size;
    this.stopping = true;
    await this.messages?.close();
    const keepAlive = this.keepAlive;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([
      Promise.all([...this.inFlight]).then(() => 'done' as const),
      deadline,
    ]);
    clearTimeout(timer);
    if (outcome === 'done') await this.loop;
    clearInterval(keepAlive);
    this.flushAcks();
    if (outcome === 'timeout') {
      this.log.warn(
        { inFlight: this.inFlight.size, timeoutMs },
        'handlers still running at shutdown; they will be redelivered',
      );
    }
    return outcome === 'timeout' ? this.inFlight.size : 0;
  }
}

/** The handler's view of a message; what it does not read is never computed. */
class Delivery implements MessageContext {
  private cachedEventId?: string;
  private cachedHeaders?: Record<string, string>;
  private cachedTime?: Date;
  private cachedLogger?: BusLogger;

  constructor(
    private readonly msg: JsMsg,
    private readonly baseLogger: BusLogger,
  ) {}

  get subject(): string {
    return this.msg.subject;
  }

  get eventId(): string {
    if (this.cachedEventId === undefined) {
      const headers = this.msg.headers;
      this.cachedEventId =
        (headers?.has(CE.id) && headers.get(CE.id)) || `${this.msg.info.stream}:${this.msg.seq}`;
    }
    return this.cachedEventId;
  }

  get stream(): string {
    return this.msg.info.stream;
  }

  get streamSequence(): number {
    return this.msg.seq;
  }

  get deliveryCount(): number {
    return this.msg.info.deliveryCount;
  }

  get time(): Date {
    if (!this.cachedTime) {
      const headers = this.msg.headers;
      const ce = headers?.has(CE.time) ? new Date(headers.get(CE.time)) : undefined;
      this.cachedTime =
        ce && !Number.isNaN(ce.getTime()) ? ce : new Date(this.msg.info.timestampNanos / 1_000_000);
    }
    return this.cachedTime;
  }

  get headers(): Readonly<Record<string, string>> {
    this.cachedHeaders ??= headerRecord(this.msg.headers);
    return this.cachedHeaders;
  }

  get logger(): BusLogger {
    this.cachedLogger ??= this.baseLogger.child({ eventId: this.eventId, deliveryCount: this.deliveryCount });
    return this.cachedLogger;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fail(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  span.setAttribute(ATTR.errorType, error instanceof DeadLetter ? error.reason : err.name);
}
