import { STATUS_CODES } from 'node:http';

/** One failing field of a validation problem: where (`body.items.0.sku`) and why. */
export interface FieldError {
  path: string;
  message: string;
}

/** The RFC 9457 members of a problem body, plus the members this layer adds. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  traceId?: string;
  requestId?: string;
  [member: string]: unknown;
}

export interface HttpProblemOptions {
  /** A URI naming the problem type; `about:blank` (the default) means "see the status code". */
  type?: string;
  /** Short, stable summary; defaults to the status code's reason phrase. */
  title?: string;
  /** This occurrence, for a human reader. Never put internals here. */
  detail?: string;
  /** Extension members of the problem body (`errors`, `orderId`, …). */
  extra?: Record<string, unknown>;
  /** Response headers, e.g. `Allow` or `Retry-After`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** Problem types this layer answers with; anything else is `about:blank`. */
export const ProblemType = {
  validation: 'urn:problem-type:validation-error',
  malformedJson: 'urn:problem-type:malformed-json',
  /** A 503: a dependency is busy or away, or the request timed out; `Retry-After` says when to retry. */
  unavailable: 'urn:problem-type:service-unavailable',
} as const;

/**
 * A failure a handler means to report: thrown from a handler, it becomes an
 * `application/problem+json` response with its status. Anything else thrown is a 500.
 */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, options: HttpProblemOptions = {}) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`an HTTP problem needs a 4xx or 5xx status, not ${status}`);
    }
    const title = options.title ?? STATUS_CODES[status] ?? 'Error';
    super(options.detail ?? title, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.type = options.type ?? 'about:blank';
    this.title = title;
    this.detail = options.detail;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }

  static badRequest(detail?: string, extra?: Record<string, unknown>): HttpProblem {
    return new HttpProblem(400, { detail, extra });
  }

  static notFound(detail?: string, extra?: Record<string, unknown>): HttpProblem {
    return new HttpProblem(404, { detail, extra });
  }

  static conflict(detail?: string, extra?: Record<string, unknown>): HttpProblem {
    return new HttpProblem(409, { detail, extra });
  }

  static unprocessable(detail?: string, extra?: Record<string, unknown>): HttpProblem {
    return new HttpProblem(422, { detail, extra });
  }

  /** The response body; extension members never override the standard ones. */
  toBody(members: { instance?: string; traceId?: string; requestId?: string } = {}): ProblemBody {
    const body: ProblemBody = { ...this.extra, type: this.type, title: this.title, status: this.status };
    if (this.detail !== undefined) body.detail = this.detail;
    if (members.instance !== undefined) body.instance = members.instance;
    if (members.traceId !== undefined) body.traceId = members.traceId;
    if (members.requestId !== undefined) body.requestId = members.requestId;
    return body;
  }
}

export function isHttpProblem(error: unknown): error is HttpProblem {
  return error instanceof HttpProblem;
}
