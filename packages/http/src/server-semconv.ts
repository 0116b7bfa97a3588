import type { Attributes } from '@opentelemetry/api';

/**
 * The stable HTTP semantic conventions of a server request (semconv 1.x `http.server.*`): what
 * the server span and `http.server.request.duration` carry, computed from the request alone.
 * Pure functions; `server-telemetry.ts` does the recording.
 */

/** The parts of an `IncomingMessage` the attributes are read from. */
export interface ServerRequestInfo {
  method?: string | undefined;
  url?: string | undefined;
  httpVersion: string;
  headers: {
    host?: string | undefined;
    'user-agent'?: string | undefined;
    'x-forwarded-for'?: string | string[] | undefined;
  };
  socket: { remoteAddress?: string | undefined; remotePort?: number | undefined };
}

/** Bucket boundaries the conventions advise for `http.server.request.duration`, in seconds. */
export const SERVER_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

/** `http.request.method`: a known method in capitals, anything else `_OTHER`. */
export function normalizeMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/** The address and port of a `Host` header: `api:8000`, `[::1]:8000`, `example.com`. */
export function parseHost(host: string): { address: string; port: number | undefined } {
  const close = host.startsWith('[') ? host.indexOf(']') : -1;
  const colon = host.lastIndexOf(':');
  if (close !== -1)
    return { address: host.slice(1, close), port: colon > close ? toPort(host.slice(colon + 1)) : undefined };
  if (colon === -1 || host.indexOf(':') !== colon) return { address: host, port: undefined };
  return { address: host.slice(0, colon), port: toPort(host.slice(colon + 1)) };
}

function toPort(text: string): number | undefined {
  const port = Number(text);
  return Number.isInteger(port) && port > 0 && port < 65_536 ? port : undefined;
}

/** Query keys whose values are credentials (presigned URLs): replaced by `REDACTED` in `url.query`. */
const REDACTED_QUERY_KEYS = new Set(['AWSAccessKeyId', 'Signature', 'sig', 'X-Goog-Signature']);

export function redactQuery(query: string): string {
  if (!query.includes('=')) return query;
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq !== -1 && REDACTED_QUERY_KEYS.has(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=REDACTED` : pair;
    })
    .join('&');
}

/** The first address of `X-Forwarded-For`, else the peer's: `client.address`. */
function clientAddress(req: ServerRequestInfo): string | undefined {
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',', 1)[0]?.trim();
  return first || req.socket.remoteAddress;
}

/** The server span's attributes known when the request arrives (what a sampler may look at). */
export function serverRequestAttributes(req: ServerRequestInfo): Attributes {
  const method = normalizeMethod(req.method);
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const attributes: Attributes = {
    'http.request.method': method,
    'url.scheme': 'http',
    'url.path': queryAt === -1 ? target : target.slice(0, queryAt),
    'network.protocol.version': req.httpVersion,
  };
  if (method === '_OTHER' && req.method !== undefined)
    attributes['http.request.method_original'] = req.method;
  if (queryAt !== -1 && queryAt < target.length - 1)
    attributes['url.query'] = redactQuery(target.slice(queryAt + 1));
  const host = req.headers.host;
  if (host) {
    const { address, port } = parseHost(host);
    attributes['server.address'] = address;
    if (port !== undefined) attributes['server.port'] = port;
  }
  const client = clientAddress(req);
  if (client !== undefined) attributes['client.address'] = client;
  if (req.socket.remoteAddress !== undefined) attributes['network.peer.address'] = req.socket.remoteAddress;
  if (req.socket.remotePort !== undefined) attributes['network.peer.port'] = req.socket.remotePort;
  const userAgent = req.headers['user-agent'];
  if (userAgent !== undefined) attributes['user_agent.original'] = userAgent;
  return attributes;
}

/** How a request ended, as the span and the duration metric record it. */
export interface ServerOutcome {
  /** The status sent, or undefined when the connection closed before the response's head went out. */
  status: number | undefined;
  /** The whole response went out (false: the connection closed first). */
  completed: boolean;
  /** The matched route template (`/api/users/:id`), when one matched. */
  route: string | undefined;
}

/** `error.type`: the status code of a 5xx, `aborted` when the response did not go out whole; else none. */
export function serverErrorType(outcome: ServerOutcome): string | undefined {
  if (outcome.status !== undefined && outcome.status >= 500) return String(outcome.status);
  return outcome.completed ? undefined : 'aborted';
}

/** The attributes of `http.server.request.duration`: method, scheme, protocol, route, status, error type. */
export function serverMetricAttributes(request: Attributes, outcome: ServerOutcome): Attributes {
  const attributes: Attributes = {
    'http.request.method': request['http.request.method'],
    'url.scheme': request['url.scheme'],
    'network.protocol.version': request['network.protocol.version'],
  };
  if (outcome.route !== undefined) attributes['http.route'] = outcome.route;
  if (outcome.status !== undefined) attributes['http.response.status_code'] = outcome.status;
  const errorType = serverErrorType(outcome);
  if (errorType !== undefined) attributes['error.type'] = errorType;
  return attributes;
}
