/** Reading trace ids from HTTP answers and service names from Tempo's trace API. */

const TRACE_ID = /^[0-9a-f]{32}$/;
const ZERO = '0'.repeat(32);

const valid = (id: string | undefined): string | undefined => {
  const lower = id?.trim().toLowerCase();
  return lower && TRACE_ID.test(lower) && lower !== ZERO ? lower : undefined;
};

/** The trace id of a W3C `traceparent`/`traceresponse` value: `00-<trace id>-<span id>-<flags>`. */
export function traceIdFromTraceparent(value: string | undefined): string | undefined {
  const parts = value?.trim().split('-');
  return parts && parts.length >= 4 ? valid(parts[1]) : undefined;
}

type Headers = Record<string, string | string[] | undefined>;
const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The trace id an HTTP answer reveals, in order of preference: `traceresponse` (W3C Trace
 * Context level 2), `traceparent`, `x-trace-id`, then a `traceId`/`trace_id` field of the body
 * (a problem+json answer carries one).
 */
export function traceIdFromResponse(headers: Headers, body?: unknown): string | undefined {
  const fromHeaders =
    traceIdFromTraceparent(header(headers, 'traceresponse')) ??
    traceIdFromTraceparent(header(headers, 'traceparent')) ??
    valid(header(headers, 'x-trace-id'));
  if (fromHeaders) return fromHeaders;
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    for (const key of ['traceId', 'trace_id']) {
      const value = record[key];
      if (typeof value === 'string' && valid(value)) return valid(value);
    }
  }
  return undefined;
}

interface KeyValue {
  key?: string;
  value?: { stringValue?: string };
}
interface ResourceSpans {
  resource?: { attributes?: KeyValue[] };
  scopeSpans?: Array<{ spans?: unknown[] }>;
  instrumentationLibrarySpans?: Array<{ spans?: unknown[] }>;
}

/**
 * Span counts by `service.name` in a trace from Tempo's `/api/traces/<id>` (OTLP JSON: `batches`)
 * or `/api/v2/traces/<id>` (`trace.resourceSpans`).
 */
export function servicesInTrace(trace: unknown): Map<string, number> {
  const record = (trace ?? {}) as {
    batches?: ResourceSpans[];
    resourceSpans?: ResourceSpans[];
    trace?: unknown;
  };
  const inner = (record.trace ?? {}) as { resourceSpans?: ResourceSpans[] };
  const batches = record.batches ?? record.resourceSpans ?? inner.resourceSpans ?? [];
  const counts = new Map<string, number>();
  for (const batch of batches) {
    const name =
      batch.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue ?? 'unknown';
    const spans = [...(batch.scopeSpans ?? []), ...(batch.instrumentationLibrarySpans ?? [])].reduce(
      (n, scope) => n + (scope.spans?.length ?? 0),
      0,
    );
    counts.set(name, (counts.get(name) ?? 0) + spans);
  }
  return counts;
}

/** Trace ids in an answer of Tempo's `/api/search`. */
export function traceIdsFromSearch(result: unknown): string[] {
  const traces = ((result ?? {}) as { traces?: Array<{ traceID?: string; traceId?: string }> }).traces ?? [];
  return traces.flatMap((t) => {
    const id = valid((t.traceID ?? t.traceId)?.padStart(32, '0'));
    return id ? [id] : [];
  });
}
