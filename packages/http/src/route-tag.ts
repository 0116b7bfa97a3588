import { context, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

/**
 * Names the matched route on the current request's telemetry: the HTTP instrumentation's route
 * (its `http.route` metric attribute, through the RPC metadata it put on the request's context),
 * and the active span's `http.route` attribute and name. Without the SDK it does nothing.
 */
export function tagRoute(method: string, template: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = template;
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.setAttribute('http.route', template);
  span.updateName(`${method} ${template}`);
}
