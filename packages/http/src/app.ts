import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSpanContextValid, SpanStatusCode, trace } from '@opentelemetry/api';
import FindMyWay from 'find-my-way';
import { z } from 'zod';
import { type AccessLogPolicy, accessLogLevel } from './access-log.js';
import { readJsonBody } from './body.js';
import { healthRoute, type ReadinessCheck, readyRoute } from './health.js';
import type { HttpLogger } from './logger.js';
import { type OpenApiInfo, openApiDocument } from './openapi.js';
import { PROBE_PATHS } from './probes.js';
import { type FieldError, HttpProblem, ProblemType } from './problem.js';
import {
  route as defineRoute,
  type HttpMethod,
  type RawQuery,
  type Route,
  type RouteResult,
} from './route.js';
import { tagRoute } from './route-tag.js';
import { isDependencyUnavailable } from './waits.js';

export interface AppOptions {
  routes: readonly Route[];
  logger: HttpLogger;
  /** Run by `GET /ready`, in parallel. */
  readiness?: readonly ReadinessCheck[];
  /** Bound of each readiness check, in ms (default 2000). */
  readinessTimeoutMs?: number;
  /** Largest JSON body accepted, in bytes, unless a route says otherwise (default 1 MiB). */
  bodyLimit?: number;
  /**
   * A request whose handler has not answered in this time gets a 503 problem with `Retry-After`,
   * and its handler's `signal` is aborted (default 30 s).
   */
  requestTimeoutMs?: number;
  /** `Retry-After` (seconds) of a 503 for a busy or unreachable dependency or a timeout (default 1). */
  retryAfterSeconds?: number;
  /**
   * Served on `GET /metrics` (Prometheus text format), e.g. `@demo/telemetry`'s `metricsText`
   * and `METRICS_CONTENT_TYPE`. Without it, `/metrics` is an unknown route.
   */
  metrics?: { text: () => Promise<string>; contentType: string };
  /** Serves `GET /openapi.json`: the OpenAPI 3.1 document of every route, from their schemas. */
  openapi?: OpenApiInfo;
  /**
   * Which `request completed` lines are written at `info` (4xx, 5xx and slow requests); the
   * others are written at `debug`.
   */
  accessLog?: AccessLogPolicy;
}

/** Every route the app serves: `/health`, `/ready`, the service's own, and `/openapi.json` when asked. */
export function appRoutes(
  options: Pick<AppOptions, 'routes' | 'readiness' | 'readinessTimeoutMs' | 'openapi'>,
): Route[] {
  const routes: Route[] = [
    healthRoute(),
    readyRoute(options.readiness ?? [], options.readinessTimeoutMs ?? 2000),
    ...options.routes,
  ];
  if (options.openapi === undefined) return routes;
  const info = options.openapi;
  let document: Record<string, unknown> | undefined;
  const docRoute = defineRoute({
    method: 'GET',
    path: '/openapi.json',
    doc: {
      operationId: 'getOpenApi',
      summary: 'This document',
      responses: {
        200: { description: 'The OpenAPI 3.1 document.', body: z.looseObject({ openapi: z.string() }) },
      },
    },
    handler: () => {
      document ??= openApiDocument(info, all);
      return { status: 200, body: document };
    },
  });
  const all = [...routes, docRoute];
  return all;
}

/** The request handler of a service: give it to `createHttpServer`, or call `handle` yourself. */
export interface HttpApp {
  handle(req: IncomingMessage, res: ServerResponse): void;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Raised when a handler outlives the request timeout. */
class RequestTimeout extends Error {
  override readonly name = 'RequestTimeout';
}
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function activeTraceId(): string | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

function parseQuery(search: string): RawQuery {
  const query: RawQuery = {};
  for (const [key, value] of new URLSearchParams(search)) {
    const seen = query[key];
    if (seen === undefined) query[key] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else query[key] = [seen, value];
  }
  return query;
}

async function validate(
  where: 'params' | 'query' | 'headers' | 'body',
  schema: z.ZodType | undefined,
  value: unknown,
  errors: FieldError[],
): Promise<unknown> {
  if (schema === undefined) return value;
  const result = await schema.safeParseAsync(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    errors.push({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message });
  }
  return undefined;
}

function send(res: ServerResponse, result: RouteResult, contentType: string): void {
  const payload = result.body === undefined ? undefined : JSON.stringify(result.body);
  res.statusCode = result.status;
  if (payload !== undefined) {
    res.setHeader('content-type', contentType);
    res.setHeader('content-length', Buffer.byteLength(payload));
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  res.end(payload);
}

/** Builds the request handler: routing, bodies, validation, problems, `/health` and `/ready`. */
export function createApp(options: AppOptions): HttpApp {
  const router = FindMyWay();
  const defaultBodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const accessLog = options.accessLog ?? {};
  const unavailable = (detail: string, cause: unknown) =>
    new HttpProblem(503, {
      type: ProblemType.unavailable,
      title: 'Service unavailable',
      detail,
      headers: { 'retry-after': retryAfter },
      cause,
    });
  const routes = appRoutes(options);
  const methods = new Set<HttpMethod>();
  for (const r of routes) {
    router.on(r.method, r.path, () => {}, r);
    methods.add(r.method);
  }

  const lookup = (
    method: string,
    url: string,
  ): { route: Route; params: Record<string, string> } | undefined => {
    const match =
      router.find(method as HttpMethod, url) ?? (method === 'HEAD' ? router.find('GET', url) : null);
    if (match === null) return undefined;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(match.params)) if (value !== undefined) params[name] = value;
    return { route: match.store as Route, params };
  };
  const allowed = (url: string): string[] => {
    const found: string[] = [...methods].filter((m) => router.find(m, url) !== null);
    if (found.includes('GET')) found.push('HEAD');
    return found;
  };

  async function run(
    route: Route,
    rawParams: Record<string, string>,
    req: IncomingMessage,
    search: string,
    requestId: string,
    log: HttpLogger,
    signal: AbortSignal,
  ): Promise<RouteResult> {
    const body =
      route.body === undefined ? undefined : await readJsonBody(req, route.bodyLimit ?? defaultBodyLimit);
    const errors: FieldError[] = [];
    const params = await validate('params', route.params, rawParams, errors);
    const query = await validate('query', route.query, parseQuery(search), errors);
    const headers = await validate('headers', route.headers, req.headers, errors);
    const validBody = await validate('body', route.body, body, errors);
    if (errors.length > 0) {
      throw new HttpProblem(400, {
        type: ProblemType.validation,
        title: 'Validation failed',
        detail: `${errors.length} invalid field${errors.length === 1 ? '' : 's'}.`,
        extra: { errors },
      });
    }
    return route.handler({ params, query, body: validBody, headers, requestId, log, signal });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const requestId = requestIdOf(req);
    const log = options.logger.child({ request_id: requestId });
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const search = queryAt === -1 ? '' : url.slice(queryAt + 1);
    const aborter = new AbortController();
    let template: string | undefined;

    req.on('error', (err) => log.warn({ err }, 'request stream error'));
    res.on('error', (err) => log.warn({ err }, 'response stream error'));
    res.on('close', () => {
      if (!res.writableFinished) aborter.abort(new Error('the client closed the connection'));
    });
    res.on('finish', () => {
      if (PROBE_PATHS.has(path) && res.statusCode < 500) return;
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      const status = res.statusCode;
      log[accessLogLevel({ status, durationMs }, accessLog)](
        { method, route: template, path, status, durationMs },
        'request completed',
      );
    });
    res.setHeader('x-request-id', requestId);
    // W3C Trace Context Level 2: tells the caller which trace its request joined.
    const spanContext = trace.getActiveSpan()?.spanContext();
    if (spanContext && isSpanContextValid(spanContext)) {
      const flags = spanContext.traceFlags.toString(16).padStart(2, '0');
      res.setHeader('traceresponse', `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`);
    }

    const fail = (error: unknown) => {
      let problem: HttpProblem;
      if (error instanceof HttpProblem) problem = error;
      else if (error instanceof RequestTimeout) {
        log.warn({ method, route: template, timeoutMs: requestTimeoutMs }, 'request timed out');
        problem = unavailable(`The request took longer than ${requestTimeoutMs} ms.`, error);
      } else if (isDependencyUnavailable(error)) {
        log.warn({ err: error, method, route: template }, 'a dependency is busy or unreachable');
        problem = unavailable('A dependency is busy or unreachable; try again shortly.', error);
      } else problem = new HttpProblem(500, { detail: 'An unexpected error occurred.' });
      if (!(error instanceof HttpProblem) && problem.status === 500) {
        log.error({ err: error, method, route: template }, 'unhandled error in route handler');
        const span = trace.getActiveSpan();
        // Not on a span that already ended (the response was answered or closed before).
        if (span?.isRecording()) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.setAttribute('error.type', error instanceof Error ? error.constructor.name : typeof error);
        }
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = problem.toBody({ instance: path, traceId: activeTraceId(), requestId });
      try {
        send(res, { status: problem.status, body, headers: problem.headers }, 'application/problem+json');
      } catch (err) {
        // e.g. extension members that JSON cannot encode: answer a bare 500 rather than crash.
        log.error({ err, status: problem.status }, 'could not send the problem response');
        if (res.headersSent) res.destroy();
        else {
          res.removeHeader('content-type');
          res.removeHeader('content-length');
          res.statusCode = 500;
          res.end();
        }
      }
    };

    const metrics = options.metrics;
    if (metrics !== undefined && path === '/metrics' && (method === 'GET' || method === 'HEAD')) {
      metrics.text().then((text) => {
        res.statusCode = 200;
        res.setHeader('content-type', metrics.contentType);
        res.setHeader('content-length', Buffer.byteLength(text));
        res.setHeader('cache-control', 'no-store');
        res.end(method === 'HEAD' ? undefined : text);
      }, fail);
      return;
    }

    try {
      const match = lookup(method, url);
      if (match === undefined) {
        const allow = allowed(url);
        if (allow.length > 0) {
          throw new HttpProblem(405, {
            detail: `${method} is not allowed here; use ${allow.join(', ')}.`,
            headers: { allow: allow.join(', ') },
          });
        }
        throw new HttpProblem(404, { detail: `No route for ${method} ${path}.` });
      }
      template = match.route.path;
      tagRoute(method, template);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const timeout = new RequestTimeout(`no answer in ${requestTimeoutMs} ms`);
          aborter.abort(timeout);
          reject(timeout);
        }, requestTimeoutMs);
        timer.unref();
      });
      const handled = run(match.route, match.params, req, search, requestId, log, aborter.signal);
      // A handler that fails after the timeout answered must not become an unhandled rejection.
      handled.catch(() => {});
      Promise.race([handled, deadline])
        .finally(() => clearTimeout(timer))
        .then((result) => {
          try {
            send(res, result, 'application/json; charset=utf-8');
          } catch (error) {
            fail(error);
          }
        }, fail);
    } catch (error) {
      fail(error);
    }
  }

  return { handle };
}
