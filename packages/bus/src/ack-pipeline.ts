import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  PermissionViolationError,
  type Subscription,
} from '@nats-io/nats-core';
import {
  BusError,
  ConnectionClosedError,
  NoStreamError,
  PermissionDeniedError,
  PublishTimeoutError,
} from './errors.js';

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

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const NINE = 0x39;
const bytesOf = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const ACK_OPEN = bytesOf('{"stream":"');
const ACK_SEQ = bytesOf('","seq":');
const ACK_DUPLICATE = bytesOf(',"duplicate":true}');
const TEXT = new TextDecoder();

function startsWithAt(data: Uint8Array, at: number, expected: Uint8Array): boolean {
  if (data.length - at < expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (data[at + i] !== expected[i]) return false;
  return true;
}

/**
 * The JetStream ack in the exact shape nats-server writes for a stored message,
 * `{"stream":"<name>","seq":<n>}` or `{"stream":"<name>","seq":<n>,"duplicate":true}`, read
 * from its bytes; `undefined` for anything else (another field, spaces, escapes, a non-ASCII
 * name, a number JSON would read differently), which `decodeAck` then reads with `JSON.parse`.
 * Whatever it answers is what `JSON.parse` would give (property-tested).
 */
export function parsePubAck(data: Uint8Array): JetStreamAck | undefined {
  if (!startsWithAt(data, 0, ACK_OPEN)) return undefined;
  let i = ACK_OPEN.length;
  const nameStart = i;
  for (; i < data.length; i++) {
    const c = data[i] as number;
    if (c === QUOTE) break;
    // Control characters, escapes and anything not ASCII: JSON.parse decides.
    if (c < 0x20 || c > 0x7e || c === BACKSLASH) return undefined;
  }
  if (!startsWithAt(data, i, ACK_SEQ)) return undefined;
  let stream = '';
  for (let k = nameStart; k < i; k++) stream += String.fromCharCode(data[k] as number);
  i += ACK_SEQ.length;
  const digitsStart = i;
  let seq = 0;
  for (; i < data.length; i++) {
    const c = data[i] as number;
    if (c < ZERO || c > NINE) break;
    seq = seq * 10 + (c - ZERO);
  }
  const digits = i - digitsStart;
  // No digits, a leading zero (not JSON), or more digits than a double holds exactly.
  if (digits === 0 || digits > 15 || (digits > 1 && data[digitsStart] === ZERO)) return undefined;
  if (i === data.length - 1 && data[i] === 0x7d) return { stream, seq, duplicate: false };
  if (i + ACK_DUPLICATE.length === data.length && startsWithAt(data, i, ACK_DUPLICATE)) {
    return { stream, seq, duplicate: true };
  }
  return undefined;
}

/** `decodeAck` on the reply's bytes: the common ack read without decoding text or `JSON.parse`. */
export function decodeAckBytes(
  subject: string,
  headers: MsgHdrs | undefined,
  data: Uint8Array,
): JetStreamAck | BusError {
  if (headers === undefined) {
    const ack = parsePubAck(data);
    if (ack !== undefined) return ack;
  }
  return decodeAck(subject, headers, data.length === 0 ? '' : TEXT.decode(data));
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

  /** `inboxPrefix`: the connection's (a NATS user may be allowed to receive on its own only). */
  constructor(
    private readonly nc: NatsConnection,
    inboxPrefix?: string,
  ) {
    this.prefix = `${createInbox(inboxPrefix)}.`;
    this.watchRefusals();
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

  /**
   * A publish the server refuses (no permission) gets no ack, only an asynchronous error on the
   * connection: fail the publishes to that subject at once with a typed error instead of letting
   * them time out.
   */
  private watchRefusals(): void {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type !== 'error') continue;
        const error = status.error;
        if (!(error instanceof PermissionViolationError) || error.operation !== 'publish') continue;
        for (const [token, waiter] of this.waiters) {
          if (waiter.subject !== error.subject) continue;
          this.waiters.delete(token);
          waiter.reject(new PermissionDeniedError('publish', error.subject, error));
        }
      }
    })().catch(() => {});
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
    const result = decodeAckBytes(waiter.subject, msg.headers, msg.data);
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
