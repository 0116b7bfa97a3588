import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/nats-core';
import { BusError, ConnectionClosedError, NoStreamError, PublishTimeoutError } from './errors.js';

/** What JetStream answers to a publish: where the message was stored, or why not. */
export interface JetStreamAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

interface Waiter {
  subject: string;
  timeoutMs: number;
  deadline: number;
  resolve(ack: JetStreamAck): void;
  reject(error: BusError): void;
}

/** A run of waiters with one timeout: deadlines are increasing, so only the head can be due. */
interface DeadlineQueue {
  tokens: number[];
  head: number;
}

/** The JetStream API error carried by a negative publish ack. */
interface ApiErrorBody {
  error?: { code?: number; err_code?: number; description?: string };
  stream?: string;
  seq?: number;
  duplicate?: boolean;
}

/** Maps a reply on the ack inbox to an ack or the bus's typed error (pure, for tests). */
export function decodeAck(
  subject: string,
  headers: MsgHdrs | undefined,
  body: string,
): JetStreamAck | BusError {
  if (headers && headers.code === 503) return new NoStreamError(subject);
  if (headers?.hasError) {
    return new BusError(
      'PUBLISH_FAILED',
      `publish to ${subject} failed: ${headers.code} ${headers.description}`,
      {
        context: { subject, status: headers.code },
        retryable: true,
      },
    );
  }
  let parsed: ApiErrorBody;
  try {
    parsed = JSON.parse(body) as ApiErrorBody;
  } catch (error) {
    return new BusError('PUBLISH_FAILED', `publish to ${subject}: JetStream ack is not JSON`, {
      context: { subject, body: body.slice(0, 200) },
      cause: error,
    });
  }
  if (parsed.error) {
    const { code, err_code: errCode, description } = parsed.error;
    if (code === 503) return new NoStreamError(subject);
    return new BusError(
      'PUBLISH_FAILED',
      `publish to ${subject} refused by JetStream: ${description ?? 'unknown'}`,
      {
        context: { subject, status: code, errCode },
        retryable: code === undefined || code >= 500,
      },
    );
  }
  if (typeof parsed.stream !== 'string' || typeof parsed.seq !== 'number') {
    return new BusError('PUBLISH_FAILED', `publish to ${subject}: JetStream ack without stream and seq`, {
      context: { subject, body: body.slice(0, 200) },
    });
  }
  return { stream: parsed.stream, seq: parsed.seq, duplicate: parsed.duplicate === true };
}

/**
 * Many JetStream publishes in flight on one connection, the shape of the Go client's async
 * publish: every publish carries a reply subject under one inbox prefix, one subscription
 * receives every ack, and one timer enforces every deadline. A publish costs a map entry and
 * a queue slot instead of a subscription, a timer and a promise chain of its own.
 */
export class AckPipeline {
  private readonly prefix: string;
  private readonly waiters = new Map<number, Waiter>();
  private readonly queues = new Map<number, DeadlineQueue>();
  private next = 0;
  private sub?: Subscription;
  private timer?: NodeJS.Timeout;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(private readonly nc: NatsConnection) {
    this.prefix = `${createInbox()}.`;
    nc.closed()
      .then(() => this.failAll(() => new ConnectionClosedError('wait for a JetStream ack')))
      .catch(() => this.failAll(() => new ConnectionClosedError('wait for a JetStream ack')));
  }

  /** Publishes and resolves with the ack; rejects with a typed error. Never throws synchronously. */
  publish(
    subject: string,
    body: string | Uint8Array,
    headers: MsgHdrs,
    timeoutMs: number,
  ): Promise<JetStreamAck> {
    if (this.closed || this.nc.isClosed()) {
      return Promise.reject(new ConnectionClosedError(`publish to ${subject}`));
    }
    this.subscribe();
    const token = this.next++;
    const deadline = Date.now() + timeoutMs;
    return new Promise<JetStreamAck>((resolve, reject) => {
      this.waiters.set(token, { subject, timeoutMs, deadline, resolve, reject });
      this.enqueue(token, timeoutMs, deadline);
      try {
        this.nc.publish(subject, body, { headers, reply: `${this.prefix}${token}` });
      } catch (error) {
        this.waiters.delete(token);
        reject(new ConnectionClosedError(`publish to ${subject}`, error));
      }
    });
  }

  /** Publishes in flight (for tests and gauges). */
  get inFlight(): number {
    return this.waiters.size;
  }

  /** Fails what is still waiting and stops listening. */
  close(): void {
    this.closed = true;
    this.failAll(() => new ConnectionClosedError('wait for a JetStream ack'));
    this.sub?.unsubscribe();
    this.sub = undefined;
  }

  private subscribe(): void {
    if (this.sub) return;
    this.sub = this.nc.subscribe(`${this.prefix}*`, {
      callback: (error, msg) => {
        if (error) {
          this.failAll(
            (w) =>
              new BusError('PUBLISH_FAILED', `ack subscription failed: ${error.message}`, {
                context: { subject: w.subject },
                retryable: true,
                cause: error,
              }),
          );
          this.sub = undefined;
          return;
        }
        this.settle(msg);
      },
    });
  }

  private settle(msg: Msg): void {
    const token = Number(msg.subject.slice(this.prefix.length));
    const waiter = this.waiters.get(token);
    if (!waiter) return; // timed out already, or a stray reply
    this.waiters.delete(token);
    const result = decodeAck(waiter.subject, msg.headers, msg.data.length === 0 ? '' : msg.string());
    if (result instanceof BusError) waiter.reject(result);
    else waiter.resolve(result);
  }

  private enqueue(token: number, timeoutMs: number, deadline: number): void {
    let queue = this.queues.get(timeoutMs);
    if (!queue) {
      queue = { tokens: [], head: 0 };
      this.queues.set(timeoutMs, queue);
    }
    queue.tokens.push(token);
    if (deadline < this.timerAt) this.arm(deadline);
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  /** The one timer: rejects every waiter whose deadline passed, then re-arms for the earliest left. */
  private expire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const [timeoutMs, queue] of this.queues) {
      const { tokens } = queue;
      while (queue.head < tokens.length) {
        const token = tokens[queue.head] as number;
        const waiter = this.waiters.get(token);
        if (waiter === undefined) {
          queue.head += 1;
          continue;
        }
        if (waiter.deadline > now) {
          earliest = Math.min(earliest, waiter.deadline);
          break;
        }
        queue.head += 1;
        this.waiters.delete(token);
        waiter.reject(new PublishTimeoutError(waiter.subject, waiter.timeoutMs));
      }
      if (queue.head === tokens.length) this.queues.delete(timeoutMs);
      else if (queue.head > 1024 && queue.head * 2 > tokens.length) {
        queue.tokens = tokens.slice(queue.head);
        queue.head = 0;
      }
    }
    if (earliest !== Number.POSITIVE_INFINITY) this.arm(earliest);
  }

  private failAll(error: (waiter: Waiter) => BusError): void {
    const waiting = [...this.waiters.values()];
    this.waiters.clear();
    this.queues.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    for (const waiter of waiting) waiter.reject(error(waiter));
  }
}
