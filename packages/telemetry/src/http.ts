import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

/**
 * Names the route template of the HTTP request being handled (`/api/users/:id`, never the raw
 * path): the HTTP instrumentation then names the server span `GET /api/users/:id` and labels
 * `http.server.request.duration` with `http.route`. Call it from the router once the route matched,
 * inside the request's handler. Without the SDK (or outside a request) it does nothing.
 */
export function setHttpRoute(template: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = template;
}
