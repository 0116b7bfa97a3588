import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { AckBatcher, settleSafely } from './consume/acks.js';
import { classifyFailure } from './consume/classify.js';
import { DeadLetterPublisher, type Failure } from './consume/dead-letter.js';
import { decode } from './consume/decode.js';
import { Delivery, type MessageContext, safeHeaders } from './consume/delivery.js';
import { type HeaderFields, headerFields } from './consume/header-fields.js';
import { PullLoop } from './consume/pull-loop.js';
import {
  type AttemptHistory,
  DEFAULT_SETTLE_POLICY,
  type DeadLetterReason,
  type Decision,
  type Outcome,
  type SettlePolicy,
  settle,
} from './consume/settle.js';
import { startProcessTrace } from './consume/trace.js';
import type { EventContract, EventData } from './contract.js';
import { HandlerDeadlineError } from './errors.js';
import { ATTR, type Instruments, MESSAGING_SYSTEM } from './instruments.js';
import type { BusLogger } from './logger.js';
import { type VersionRead, versionReader } from './versioning.js';
import { headerValue } from './wire.js';

export type { MessageContext } from './consume/delivery.js';
export type { DeadLetterReason } from './consume/settle.js';

export type Handler<E extends EventContract> = (
  data: EventData<E>,
  ctx: MessageContext,
) => Promise<void> | void;

export interface SubscribeOptions {
  /** Durable consumer name (the consumer group): one per service and event. */
  durable: string;
  /** Handlers running at once in this process. Default 8. */
  concurrency?: number;
  /** Ordinary failures (not transient ones) before a message is dead-lettered. Default 5. */
  maxDeliver?: number;
  /** Delay before redelivery after the n-th ordinary failure (the last value repeats). Default [1s, 5s, 15s, 30s]. */
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
  /**
   * How long a handler may run: past it the attempt counts as failed, its keep-alive stops and
   * `ctx.signal` aborts. Default: none.
   */
  ackDeadlineMs?: number;
  /**
   * How long transient failures (a database or NATS away) are retried, from the first one,
   * before the dead letter (`transient_exhausted`). They do not spend `maxDeliver`. Default 15 min.
   */
  transientRetryMs?: number;
  /** Backoff of transient retries: doubling from `baseMs` up to `maxMs`, with jitter. Default 500 ms … 15 s. */
  transientBackoffMs?: { baseMs: number; maxMs: number };
  /** Attempts to publish a dead letter before the message is terminated without one. Default 5. */
  maxDeadLetterAttempts?: number;
}

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
  /** The server's `max_payload`, read when a dead letter is built. */
  maxPayload: () => number;
}

/** What this process remembers of a message between deliveries (bounded; lost on restart). */
interface Memory extends AttemptHistory {
  deadLetterFailures: number;
}

const MAX_REMEMBERED = 10_000;

const ACK: Decision = Object.freeze({ action: 'ack' });

/**
 * One durable pull consumer delivering one event type to one handler: the wiring of the
 * consume steps (pull loop → delivery context → trace → decode → handler → settle → ack,
 * retry or dead letter).
 */
export class Subscription<E extends EventContract = EventContract> {
  private loop?: PullLoop;
  private readonly acks: AckBatcher;
  private readonly concurrency: number;
  private readonly ackWaitMs: number;
  private readonly policy: SettlePolicy;
  private readonly maxDeadLetterAttempts: number;
  private readonly attributes: Record<string, string>;
  private readonly memory = new Map<number, Memory>();
  private readonly deadLetters: DeadLetterPublisher;
  private streamName = '';
  private dlqStream?: string;
  private readonly log: BusLogger;
  private readonly spanName: string;
  private readonly read: VersionRead<EventData<E>>;

  constructor(
    private readonly deps: SubscriptionDeps,
    readonly event: E,
    private readonly handler: Handler<E>,
    readonly options: SubscribeOptions,
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.ackWaitMs = options.ackWaitMs ?? 30_000;
    this.policy = {
      maxDeliver: Math.max(1, options.maxDeliver ?? DEFAULT_SETTLE_POLICY.maxDeliver),
      backoffMs: options.backoffMs?.length ? options.backoffMs : DEFAULT_SETTLE_POLICY.backoffMs,
      transientBudgetMs: options.transientRetryMs ?? DEFAULT_SETTLE_POLICY.transientBudgetMs,
      transientBaseMs: options.transientBackoffMs?.baseMs ?? DEFAULT_SETTLE_POLICY.transientBaseMs,
      transientMaxMs: options.transientBackoffMs?.maxMs ?? DEFAULT_SETTLE_POLICY.transientMaxMs,
    };
    this.maxDeadLetterAttempts = Math.max(1, options.maxDeadLetterAttempts ?? 5);
    this.attributes = {
      [ATTR.system]: MESSAGING_SYSTEM,
      [ATTR.destination]: event.subject,
      [ATTR.operationName]: 'process',
      [ATTR.operationType]: 'process',
      [ATTR.consumerGroup]: options.durable,
    };
    this.log = deps.logger.child({ subject: event.subject, consumer: options.durable });
    this.acks = new AckBatcher(this.log);
    this.spanName = `process ${event.subject}`;
    this.read = versionReader(event, { accepts: options.versions });
    this.deadLetters = new DeadLetterPublisher({
      js: deps.js,
      instruments: deps.instruments,
      maxPayload: deps.maxPayload,
    });
  }

  get durable(): string {
    return this.options.durable;
  }

  get stream(): string {
    return this.streamName;
  }

  /** The stream that captures this subscription's dead letters, if one does. */
  get deadLetterStream(): string | undefined {
    return this.dlqStream;
  }

  /** Creates or updates the durable consumer, then starts pulling. */
  async start(): Promise<void> {
    this.streamName = await this.deps.jsm.streams.find(this.event.subject);
    await this.provisionConsumer();
    this.dlqStream = await this.deps.jsm.streams.find(`dlq.${this.event.subject}`).catch(() => {
      this.log.warn(
        { dlqSubject: `dlq.${this.event.subject}` },
        "no stream captures this consumer's dead letters",
      );
      return undefined;
    });
    const consumer = await this.deps.js.consumers.get(this.streamName, this.options.durable);
    const messages = await consumer.consume({ max_messages: this.concurrency * 2 });
    this.loop = new PullLoop(
      messages,
      this.concurrency,
      this.ackWaitMs,
      (msg) => this.process(msg),
      this.log,
    );
    this.loop.start();
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

  /** One delivery, end to end. Never rejects: whatever happens is settled or logged. */
  private async process(msg: JsMsg): Promise<void> {
    const deadline = this.options.ackDeadlineMs;
    const abort = deadline ? new AbortController() : undefined;
    // The header block is scanned once, here; trace, decode and the handler's context read it.
    const fields = headerFields(msg);
    const delivery = new Delivery(msg, fields, this.log, abort?.signal);
    const traced = startProcessTrace(
      this.deps.instruments,
      this.spanName,
      this.attributes,
      msg,
      fields,
      delivery,
    );
    let errorType: string | undefined;
    try {
      await traced.run(async () => {
        const outcome = await this.attempt(msg, fields, delivery, abort);
        if (outcome.kind !== 'ok') {
          errorType =
            outcome.kind === 'poison'
              ? outcome.reason
              : outcome.error instanceof Error
                ? outcome.error.name
                : 'Error';
          traced.fail(('error' in outcome && outcome.error) || new Error(outcome.message), errorType);
        }
        // A success is acked whatever the history: the delivery info (parsed from the reply
        // subject) and the memory are read only for a failure.
        const decision =
          outcome.kind === 'ok'
            ? ACK
            : settle(outcome, msg.info.deliveryCount, this.policy, this.recalled(msg.seq), performance.now());
        const settled = this.apply(msg, outcome, decision, delivery, traced.span);
        if (settled) await settled;
      });
    } finally {
      traced.end(errorType);
    }
  }

  /** Decode, then the handler (bounded by `ackDeadlineMs`): the outcome, never a throw. */
  private async attempt(
    msg: JsMsg,
    fields: HeaderFields,
    delivery: Delivery,
    abort?: AbortController,
  ): Promise<Outcome> {
    const decoded = decode(this.event, msg, this.read, fields);
    if (!decoded.ok) return { kind: 'poison', reason: decoded.reason, message: decoded.message };
    let timer: NodeJS.Timeout | undefined;
    try {
      const handled = this.handler(decoded.data, delivery);
      // Only a handler still running when it returns can need keeping alive.
      if (handled instanceof Promise) this.loop?.hold(msg);
      if (abort && this.options.ackDeadlineMs && handled instanceof Promise) {
        const deadlineMs = this.options.ackDeadlineMs;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            abort.abort();
            reject(new HandlerDeadlineError(this.event.subject, deadlineMs));
          }, deadlineMs);
        });
        // The handler may still settle after its deadline: that result is ignored, not unhandled.
        handled.catch(() => {});
        await Promise.race([handled, late]);
      } else {
        await handled;
      }
      return { kind: 'ok' };
    } catch (error) {
      const kind = classifyFailure(error);
      return { kind, message: errorMessage(error), error };
    } finally {
      clearTimeout(timer);
      this.loop?.release(msg);
    }
  }

  /** What this process remembers of the message's earlier deliveries (nothing, mostly). */
  private recalled(seq: number): AttemptHistory {
    return (this.memory.size > 0 ? this.memory.get(seq) : undefined) ?? { transientFailures: 0 };
  }

  private remember(seq: number): Memory {
    let entry = this.memory.get(seq);
    if (!entry) {
      if (this.memory.size >= MAX_REMEMBERED) {
        const oldest = this.memory.keys().next().value;
        if (oldest !== undefined) this.memory.delete(oldest);
      }
      entry = { transientFailures: 0, deadLetterFailures: 0 };
      this.memory.set(seq, entry);
    }
    return entry;
  }

  /** Acts on the decision; only a dead letter is asynchronous (the hot path makes no promise). */
  private apply(
    msg: JsMsg,
    outcome: Outcome,
    decision: Decision,
    delivery: Delivery,
    span: { addEvent(name: string, attributes?: Record<string, string>): unknown },
  ): Promise<void> | undefined {
    switch (decision.action) {
      case 'ack':
        if (this.memory.size > 0) this.memory.delete(msg.seq);
        this.acks.ack(msg);
        this.deps.instruments.consumed.add(1, this.attributes);
        return;
      case 'retry': {
        if (decision.transient) {
          const entry = this.remember(msg.seq);
          entry.transientFailures += 1;
          entry.firstTransientAtMs ??= performance.now();
        }
        delivery.logger.warn(
          {
            err: 'error' in outcome ? outcome.error : undefined,
            retryInMs: decision.delayMs,
            transient: decision.transient,
            maxDeliver: this.policy.maxDeliver,
          },
          decision.transient ? 'transient failure; will retry' : 'handler failed; will retry',
        );
        settleSafely(this.log, 'nak', msg, () => msg.nak(decision.delayMs));
        return;
      }
      case 'dead-letter':
        return this.deadLetter(msg, decision.reason, decision.message, delivery, span);
    }
  }

  /** Publishes the message to `dlq.<subject>` with its headers and the reason, then terminates it. */
  private async deadLetter(
    msg: JsMsg,
    reason: DeadLetterReason,
    message: string,
    delivery: Delivery,
    span: { addEvent(name: string, attributes?: Record<string, string>): unknown },
  ): Promise<void> {
    const logger = delivery.logger;
    const failure: Failure = {
      reason,
      message,
      deliveryCount: msg.info.deliveryCount,
      consumer: this.options.durable,
      stream: msg.info.stream,
      streamSequence: msg.seq,
      subject: msg.subject,
      time: new Date(),
    };
    const stored = await this.deadLetters.publish(msg, safeHeaders(msg), failure, logger);
    const attributes = { ...this.attributes, 'dlq.reason': reason };
    if (!stored) {
      const entry = this.remember(msg.seq);
      entry.deadLetterFailures += 1;
      if (entry.deadLetterFailures < this.maxDeadLetterAttempts) {
        const delay = Math.min(30_000, 1_000 * 2 ** (entry.deadLetterFailures - 1));
        logger.warn(
          { reason, retryInMs: delay, attempt: entry.deadLetterFailures },
          'dead letter not stored; message kept for redelivery',
        );
        settleSafely(this.log, 'nak', msg, () => msg.nak(delay));
        return;
      }
      this.memory.delete(msg.seq);
      settleSafely(this.log, 'term', msg, () =>
        msg.term(headerValue(`dead letter failed; ${reason}: ${message}`, 256)),
      );
      this.deps.instruments.deadLetterFailures.add(1, attributes);
      logger.error(
        {
          reason,
          error: message,
          attempts: entry.deadLetterFailures,
          stream: failure.stream,
          streamSequence: failure.streamSequence,
        },
        'dead letter could not be stored; message terminated (still in its stream at this sequence)',
      );
      return;
    }
    this.memory.delete(msg.seq);
    settleSafely(this.log, 'term', msg, () => msg.term(headerValue(`${reason}: ${message}`, 256)));
    span.addEvent('dead-lettered', { 'dlq.reason': reason });
    this.deps.instruments.deadLetters.add(1, attributes);
    logger.error({ reason, error: message, dlqSubject: `dlq.${msg.subject}` }, 'message dead-lettered');
  }

  state(): ConsumerState {
    return {
      durable: this.options.durable,
      subject: this.event.subject,
      stream: this.streamName,
      running: Boolean(this.loop) && !this.loop?.stopped,
      inFlight: this.loop?.running ?? 0,
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
    if (!this.loop) return 0;
    const left = await this.loop.stop(timeoutMs);
    this.acks.flush();
    if (left > 0) {
      this.log.warn(
        { inFlight: left, timeoutMs },
        'handlers still running at shutdown; they will be redelivered',
      );
    }
    return left;
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  try {
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
