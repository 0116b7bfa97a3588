import { setTimeout as sleep } from 'node:timers/promises';

/** An OTLP attribute value, as OTLP/JSON encodes it. */
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
export type AttributeValue =
  | string
  | number
  | boolean
  | AttributeValue[]
  | { [key: string]: AttributeValue }
  | null;
export type Attributes = Record<string, AttributeValue>;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Attributes;
  status: { code?: number; message?: string };
  resource: Attributes;
  scope: string;
  /** End minus start time, in milliseconds. */
  durationMs: number;
  /** The span's events by name (e.g. "exception", "fault injected"). */
  events: string[];
}

export interface ReceivedDataPoint {
  attributes: Attributes;
  value?: number;
  count?: number;
  sum?: number;
}

export interface ReceivedMetric {
  name: string;
  unit: string;
  type: 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram' | 'summary';
  dataPoints: ReceivedDataPoint[];
  resource: Attributes;
}

export interface ReceivedLog {
  traceId: string;
  spanId: string;
  severityText: string;
  body: AttributeValue;
  attributes: Attributes;
  resource: Attributes;
}

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

function value(v: AnyValue | undefined): AttributeValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  if (v.kvlistValue) return attributes(v.kvlistValue.values);
  return null;
}

function attributes(list: KeyValue[] | undefined): Attributes {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
}

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** Reads what the collector exported to the test receiver (see startOtlpSink). */
export class OtlpSinkClient {
  /**
   * `service`: only what the processes of that `service.name` exported; `traceId`: only the
   * spans and log records of that trace (metrics are not filtered by it).
   */
  constructor(
    readonly url: string,
    readonly service?: string,
    readonly traceId?: string,
  ) {}

  /** The same sink, read for one `service.name` only (far less to fetch and parse on a busy sink). */
  forService(service: string): OtlpSinkClient {
    return new OtlpSinkClient(this.url, service, this.traceId);
  }

  /** The same sink, read for the spans and logs of one trace only. */
  forTrace(traceId: string): OtlpSinkClient {
    return new OtlpSinkClient(this.url, this.service, traceId);
  }

  private async get(signal: 'traces' | 'metrics' | 'logs'): Promise<Json[]> {
    const query = new URLSearchParams();
    if (this.service !== undefined) query.set('service', this.service);
    if (this.traceId !== undefined && signal !== 'metrics') query.set('traceId', this.traceId);
    const search = query.size > 0 ? `?${query}` : '';
    const response = await fetch(`${this.url}/received/${signal}${search}`);
    if (!response.ok) throw new Error(`OTLP sink answered ${response.status}`);
    return (await response.json()) as Json[];
  }

  async spans(): Promise<ReceivedSpan[]> {
    return (await this.get('traces')).flatMap((req) =>
      arr(req.resourceSpans).flatMap((rs) => {
        const resource = attributes((rs.resource as Json | undefined)?.attributes as KeyValue[] | undefined);
        return arr(rs.scopeSpans).flatMap((ss) =>
          arr(ss.spans).map((s) => ({
            traceId: String(s.traceId ?? ''),
            spanId: String(s.spanId ?? ''),
            parentSpanId: String(s.parentSpanId ?? ''),
            name: String(s.name ?? ''),
            kind: Number(s.kind ?? 0),
            attributes: attributes(s.attributes as KeyValue[] | undefined),
            status: (s.status as ReceivedSpan['status'] | undefined) ?? {},
            resource,
            scope: String((ss.scope as Json | undefined)?.name ?? ''),
            durationMs:
              Number(BigInt(String(s.endTimeUnixNano ?? 0)) - BigInt(String(s.startTimeUnixNano ?? 0))) / 1e6,
            events: arr(s.events).map((e) => String(e.name ?? '')),
          })),
        );
      }),
    );
  }

  async metrics(): Promise<ReceivedMetric[]> {
    const types = ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'] as const;
    return (await this.get('metrics')).flatMap((req) =>
      arr(req.resourceMetrics).flatMap((rm) => {
        const resource = attributes((rm.resource as Json | undefined)?.attributes as KeyValue[] | undefined);
        return arr(rm.scopeMetrics).flatMap((sm) =>
          arr(sm.metrics).map((m) => {
            const type = types.find((t) => m[t] !== undefined) ?? 'gauge';
            const body = (m[type] as Json | undefined) ?? {};
            return {
              name: String(m.name ?? ''),
              unit: String(m.unit ?? ''),
              type,
              resource,
              dataPoints: arr(body.dataPoints).map((dp) => ({
                attributes: attributes(dp.attributes as KeyValue[] | undefined),
                value: dp.asInt !== undefined ? Number(dp.asInt) : (dp.asDouble as number | undefined),
                count: dp.count !== undefined ? Number(dp.count) : undefined,
                sum: dp.sum as number | undefined,
              })),
            };
          }),
        );
      }),
    );
  }

  async logs(): Promise<ReceivedLog[]> {
    return (await this.get('logs')).flatMap((req) =>
      arr(req.resourceLogs).flatMap((rl) => {
        const resource = attributes((rl.resource as Json | undefined)?.attributes as KeyValue[] | undefined);
        return arr(rl.scopeLogs).flatMap((sl) =>
          arr(sl.logRecords).map((r) => ({
            traceId: String(r.traceId ?? ''),
            spanId: String(r.spanId ?? ''),
            severityText: String(r.severityText ?? ''),
            body: value(r.body as AnyValue | undefined),
            attributes: attributes(r.attributes as KeyValue[] | undefined),
            resource,
          })),
        );
      }),
    );
  }

  /** Polls `read` until `done` holds for what it returns; fails with `what` after `timeoutMs`. */
  async waitFor<T>(
    what: string,
    read: () => Promise<T>,
    done: (value: T) => boolean,
    timeoutMs = 20_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = await read();
    while (!done(last)) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(200);
      last = await read();
    }
    return last;
  }
}
