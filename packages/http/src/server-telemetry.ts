import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Attributes,
  type Context,
  context,
  type Histogram,
  metrics,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  getRPCMetadata,
  type RPCMetadata,
  RPCType,
  setRPCMetadata,
  suppressTracing,
} from '@opentelemetry/core';
import { isProbePath } from './probes.js';
import {
  SERVER_DURATION_BUCKETS,
  type ServerOutcome,
  serverErrorType,
  serverMetricAttributes,
  serverRequestAttributes,
} from './server-semconv.js';

const SCOPE = '@demo/http';

/** One request's telemetry: the context to handle it in, and what to do when its response closes. */
export interface RequestTelemetry {
  /** Its server span and route slot (`tagRoute`), tracing suppressed for a probe, or the caller's context. */
  readonly context: Context;
  /** Ends the server span and records `http.server.request.duration`. Call once, on the response's `close`. */
  end(res: ServerResponse): void;
}

/** Starts the telemetry of each request a server takes. */
export interface ServerTelemetry {
  start(req: IncomingMessage): RequestTelemetry;
}

const untraced = (ctx: Context): RequestTelemetry => ({ context: ctx, end: () => {} });

/**
 * The server side of HTTP telemetry, over the OpenTelemetry API only (a no-op without an SDK):
 * one SERVER span per request, continuing the caller's W3C trace context (and baggage), named
 * `GET /api/users/:id` once the router tagged the route, with the stable semantic conventions'
 * attributes; and the `http.server.request.duration` histogram (seconds, by method, route,
 * status and error type). Probe paths get neither, and run with tracing suppressed.
 *
 * It does the work of the HTTP instrumentation's incoming side with less of it: no URL parsing,
 * no re-binding of every listener of the request and response, one attribute object per
 * request. When that instrumentation did run (its RPC metadata is in the active context), it
 * stands aside.
 */
export function serverTelemetry(): ServerTelemetry {
  // Fetched at the first request, when the SDK (if any) has registered its providers.
  let tracer: Tracer | undefined;
  let duration: Histogram | undefined;

  const finish = (
    span: Span,
    request: Attributes,
    metadata: RPCMetadata,
    started: number,
    res: ServerResponse,
  ) => {
    const outcome: ServerOutcome = {
      status: res.headersSent ? res.statusCode : undefined,
      completed: res.writableFinished,
      route: metadata.route,
    };
    if (span.isRecording()) {
      if (outcome.status !== undefined) span.setAttribute('http.response.status_code', outcome.status);
      const errorType = serverErrorType(outcome);
      if (errorType !== undefined) span.setAttribute('error.type', errorType);
      // A 5xx is the server's failure; a 4xx or a client that went away is not (semantic conventions).
      if (outcome.status !== undefined && outcome.status >= 500)
        span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
    duration?.record((performance.now() - started) / 1000, serverMetricAttributes(request, outcome));
  };

  return {
    start(req) {
      const active = context.active();
      if (getRPCMetadata(active)?.type === RPCType.HTTP) return untraced(active);
      if (isProbePath(req.url ?? '/')) return untraced(suppressTracing(ROOT_CONTEXT));
      tracer ??= trace.getTracer(SCOPE);
      duration ??= metrics.getMeter(SCOPE).createHistogram('http.server.request.duration', {
        unit: 's',
        description: 'Duration of HTTP server requests.',
        advice: { explicitBucketBoundaries: [...SERVER_DURATION_BUCKETS] },
      });
      const started = performance.now();
      const attributes = serverRequestAttributes(req);
      const parent = propagation.extract(ROOT_CONTEXT, req.headers);
      const span = tracer.startSpan(
        String(attributes['http.request.method']),
        { kind: SpanKind.SERVER, attributes },
        parent,
      );
      const metadata: RPCMetadata = { type: RPCType.HTTP, span };
      return {
        context: setRPCMetadata(trace.setSpan(parent, span), metadata),
        end: (res) => finish(span, attributes, metadata, started, res),
      };
    },
  };
}
