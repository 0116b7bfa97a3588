/** Stable codes of the errors the bus throws. */
export type BusErrorCode =
  | 'INVALID_EVENT_DATA'
  | 'NO_STREAM'
  | 'PUBLISH_TIMEOUT'
  | 'CONNECTION_CLOSED'
  | 'STREAM_CONFIG_CONFLICT'
  | 'PUBLISH_FAILED'
  | 'PERMANENT_FAILURE'
  | 'HANDLER_DEADLINE';

/** Base class: a code to branch on, the subject or stream involved, and whether a retry may help. */
export class BusError extends Error {
  readonly code: BusErrorCode;
  readonly retryable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: BusErrorCode,
    message: string,
    options: { context?: Record<string, unknown>; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = Object.freeze({ ...options.context });
  }
}

export interface FieldIssue {
  /** Dotted path of the failing field, e.g. `items.0.quantity` (empty for the root). */
  path: string;
  message: string;
}

/** The data does not satisfy the event's schema: nothing was sent. */
export class InvalidEventDataError extends BusError {
  constructor(
    readonly subject: string,
    readonly issues: readonly FieldIssue[],
  ) {
    super(
      'INVALID_EVENT_DATA',
      `invalid data for ${subject}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
      { context: { subject, issues } },
    );
  }
}

/** No JetStream stream captures the subject (or JetStream is not reachable for it). */
export class NoStreamError extends BusError {
  constructor(
    readonly subject: string,
    cause?: unknown,
  ) {
    super('NO_STREAM', `no JetStream stream captures subject ${subject}`, {
      context: { subject },
      retryable: true,
      cause,
    });
  }
}

/** The JetStream ack did not arrive in time; the message may or may not be stored. Retry with the same id. */
export class PublishTimeoutError extends BusError {
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
    cause?: unknown,
  ) {
    super('PUBLISH_TIMEOUT', `no JetStream ack for ${subject} within ${timeoutMs} ms`, {
      context: { subject, timeoutMs },
      retryable: true,
      cause,
    });
  }
}

export class ConnectionClosedError extends BusError {
  constructor(operation: string, cause?: unknown) {
    super('CONNECTION_CLOSED', `cannot ${operation}: the NATS connection is closed`, {
      context: { operation },
      cause,
    });
  }
}

/** A stream exists with a setting that JetStream does not allow to change. */
export class StreamConfigConflictError extends BusError {
  constructor(
    readonly stream: string,
    readonly setting: string,
    readonly current: unknown,
    readonly wanted: unknown,
  ) {
    super(
      'STREAM_CONFIG_CONFLICT',
      `stream ${stream}: ${setting} is ${JSON.stringify(current)} and cannot be changed to ${JSON.stringify(wanted)}; ` +
        'migrate the stream (create a new one and move consumers) instead',
      { context: { stream, setting, current, wanted } },
    );
  }
}

/**
 * Thrown (or used as a `cause`) by a handler that knows a retry cannot help: a business rule the
 * message breaks, a reference that will never exist. The message is dead-lettered at once
 * (reason `permanent`), without spending its retries.
 */
export class PermanentError extends BusError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('PERMANENT_FAILURE', message, { ...options, retryable: false });
  }
}

/** The handler ran past its subscription's `ackDeadlineMs`: counted as a failed attempt. */
export class HandlerDeadlineError extends BusError {
  constructor(
    readonly subject: string,
    readonly deadlineMs: number,
  ) {
    super('HANDLER_DEADLINE', `handler for ${subject} ran past its ${deadlineMs} ms deadline`, {
      context: { subject, deadlineMs },
      retryable: false,
    });
  }
}

export function isBusError(error: unknown): error is BusError {
  return error instanceof BusError;
}
