import type { JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import type { BusLogger } from '../logger.js';
import { CE } from '../wire.js';
import type { HeaderFields } from './header-fields.js';

/** What a handler learns about the message besides its typed data. */
export interface MessageContext {
  subject: string;
  /** `ce-id`, or `<stream>:<sequence>` for a message published without headers. */
  eventId: string;
  stream: string;
  streamSequence: number;
  /** 1 on the first delivery. */
  deliveryCount: number;
  /** `ce-time` if present and plausible, else when JetStream stored the message. */
  time: Date;
  headers: Readonly<Record<string, string>>;
  /** Bound to the message (subject, event id, delivery) and, through the active context, to its trace. */
  logger: BusLogger;
  /** Aborted when the handler runs past the subscription's `ackDeadlineMs` (never, without one). */
  signal: AbortSignal;
}

/** Longest `ce-id` taken as the event id; a longer one is poison for logs and dedupe keys. */
const MAX_EVENT_ID = 256;
/** `ce-time` outside these years is not believed (a typo, an attack, a unit mistake). */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

const never = new AbortController().signal;

/** Headers of a message, or undefined when its header block does not decode. */
export function safeHeaders(msg: { readonly headers?: MsgHdrs }): MsgHdrs | undefined {
  try {
    return msg.headers;
  } catch {
    return undefined;
  }
}

/** `ce-time` as a Date when it is a real instant between 1970 and 9999, else undefined. */
export function plausibleTime(value: string | undefined): Date | undefined {
  if (!value || value.length > 64) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= EARLIEST && ms <= LATEST ? new Date(ms) : undefined;
}

/** The handler's view of a message; what it does not read is never computed. */
export class Delivery implements MessageContext {
  private cachedEventId?: string;
  private cachedHeaders?: Record<string, string>;
  private cachedTime?: Date;
  private cachedLogger?: BusLogger;

  constructor(
    private readonly msg: JsMsg,
    private readonly fields: HeaderFields,
    private readonly baseLogger: BusLogger,
    readonly signal: AbortSignal = never,
  ) {}

  get subject(): string {
    return this.msg.subject;
  }

  get eventId(): string {
    if (this.cachedEventId === undefined) {
      const id = this.fields.get(CE.id);
      this.cachedEventId = id && id.length <= MAX_EVENT_ID ? id : `${this.msg.info.stream}:${this.msg.seq}`;
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
      this.cachedTime =
        plausibleTime(this.fields.get(CE.time)) ?? new Date(this.msg.info.timestampNanos / 1_000_000);
    }
    return this.cachedTime;
  }

  get headers(): Readonly<Record<string, string>> {
    if (!this.cachedHeaders) {
      const record: Record<string, string> = {};
      for (const key of this.fields.keys()) record[key] = this.fields.get(key) ?? '';
      this.cachedHeaders = record;
    }
    return this.cachedHeaders;
  }

  get logger(): BusLogger {
    this.cachedLogger ??= this.baseLogger.child({ eventId: this.eventId, deliveryCount: this.deliveryCount });
    return this.cachedLogger;
  }
}
