import { setHttpRoute } from '@demo/telemetry';
import { trace } from '@opentelemetry/api';

/**
 * Names the matched route on the current request's telemetry: the HTTP instrumentation's route
 * (its `http.route` metric attribute), and the active span's `http.route` attribute and name.
 */
export function tagRoute(method: string, template: string): void {
  setHttpRoute(template);
  const span = trace.getActiveSpan();
  if (span === undefined) return;
  span.setAttribute('http.route', template);
  span.updateName(`${method} ${template}`);
}
