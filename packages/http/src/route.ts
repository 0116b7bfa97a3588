import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { HttpLogger } from './logger.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Path parameters as the router matched them, before validation. */
export type RawParams = Record<string, string>;
/** The query string, before validation: a repeated key gives an array. */
export type RawQuery = Record<string, string | string[]>;

/**
 * What a handler receives: validated params, query, body and headers, and the request's context.
 * `headers` is what the route's header schema made of them, or all of them (names in lower case)
 * when it has none.
 */
export interface RouteInput<
  Params = RawParams,
  Query = RawQuery,
  Body = undefined,
  Headers = IncomingHttpHeaders,
> {
  params: Params;
  query: Query;
  body: Body;
  headers: Headers;
  requestId: string;
  /** The request's logger (bound to its request id). */
  log: HttpLogger;
  /** Aborted when the client goes away before the response is sent. */
  signal: AbortSignal;
}

/** What a handler returns: a status and an optional JSON body and headers. */
export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string | number | readonly string[]>;
}

type Schema = z.ZodType;

/** A response as the OpenAPI document describes it. */
export interface ResponseDoc {
  description: string;
  /** The JSON body's schema (output side); omit for an empty body. */
  body?: Schema;
  /** Answered as `application/problem+json` (the shared problem schema). */
  problem?: boolean;
  /** Response headers by name, e.g. `location`. */
  headers?: Record<string, { description: string; required?: boolean }>;
  /** OpenAPI links: which operation can follow, and how its parameters come from this response. */
  links?: Record<string, { operationId: string; parameters: Record<string, string> }>;
}

/** What the OpenAPI document says about a route, beside its input schemas. */
export interface RouteDoc {
  /** Stable name of the operation (`createUser`); links refer to it. */
  operationId?: string;
  summary?: string;
  /** Responses by status; 400/413/415/500/503 problems are added from the route's shape. */
  responses?: Record<number, ResponseDoc>;
}
type Output<S, Fallback> = S extends Schema ? z.output<S> : Fallback;

/** The input type of a route whose schemas are `P`, `Q`, `B`, `H`. */
export type InputOf<P, Q, B, H = undefined> = RouteInput<
  Output<P, RawParams>,
  Output<Q, RawQuery>,
  Output<B, undefined>,
  Output<H, IncomingHttpHeaders>
>;

/** A route as `route()` declares it, with typed input. */
export interface RouteSpec<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  H extends Schema | undefined = undefined,
> {
  method: HttpMethod;
  /** A find-my-way template: `/api/users/:id`. It names the route in spans and metrics. */
  path: string;
  params?: P;
  query?: Q;
  /** A JSON body schema; a route with one reads (and requires JSON for) its body. */
  body?: B;
  /**
   * A schema of the request headers the route reads, an object keyed by lower-case names (as
   * `node:http` gives them): a header that breaks it answers 400 naming `headers.<name>`, and the
   * OpenAPI document lists each as a header parameter.
   */
  headers?: H;
  /** Largest body accepted, in bytes (413 past it); defaults to the app's limit. */
  bodyLimit?: number;
  /** For the OpenAPI document. */
  doc?: RouteDoc;
  handler(input: InputOf<P, Q, B, H>): RouteResult | Promise<RouteResult>;
}

/** Any route, its input types erased: what `createApp` takes. */
export interface Route {
  method: HttpMethod;
  path: string;
  params?: Schema | undefined;
  query?: Schema | undefined;
  body?: Schema | undefined;
  headers?: Schema | undefined;
  bodyLimit?: number;
  doc?: RouteDoc | undefined;
  handler(input: RouteInput<unknown, unknown, unknown, unknown>): RouteResult | Promise<RouteResult>;
}

/**
 * Declares a route; the handler's input is typed from the schemas. The returned object is the
 * spec itself, so a test can call `spec.handler(input)` directly.
 */
export function route<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  H extends Schema | undefined = undefined,
>(spec: RouteSpec<P, Q, B, H>): RouteSpec<P, Q, B, H> {
  return spec;
}
