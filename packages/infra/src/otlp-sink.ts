import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * A small OTLP/HTTP (JSON) receiver that stands in for Tempo, Loki and Prometheus in tests:
 * the collector exports to `<url>/<backend>/v1/<signal>` and tests read back what arrived
 * with `GET <url>/received/<signal>` (see OtlpSinkClient).
 */
export interface OtlpSink {
  url: string;
  close(): Promise<void>;
}

type Signal = 'traces' | 'metrics' | 'logs';
const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];
const MAX_BODY = 64 * 1024 * 1024;

const RESOURCE_LISTS = ['resourceSpans', 'resourceMetrics', 'resourceLogs'] as const;

type ResourceEntry = {
  resource?: { attributes?: Array<{ key?: string; value?: { stringValue?: string } }> };
};
type Json = Record<string, unknown>;

function serviceOf(entry: ResourceEntry): string {
  return entry.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue ?? '';
}

/**
 * One export request split by `service.name`: a request per service, each holding only that
 * service's resources. A test reads what one service (or one trace) exported, never the whole
 * suite's (which grows to hundreds of MB).
 */
function byService(request: Json): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const list of RESOURCE_LISTS) {
    const entries = request[list];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries as ResourceEntry[]) {
      const service = serviceOf(entry);
      const cut = out.get(service) ?? {};
      const entriesOfService = (cut[list] as unknown[] | undefined) ?? [];
      entriesOfService.push(entry);
      cut[list] = entriesOfService;
      out.set(service, cut);
    }
  }
  return out;
}

/** The request cut down to the spans or log records of one trace; undefined when none is left. */
function ofTrace(request: Json, traceId: string): Json | undefined {
  const cut: Json = {};
  let any = false;
  for (const [list, scopes, items] of [
    ['resourceSpans', 'scopeSpans', 'spans'],
    ['resourceLogs', 'scopeLogs', 'logRecords'],
  ] as const) {
    const entries = request[list];
    if (!Array.isArray(entries)) continue;
    const kept: Json[] = [];
    for (const entry of entries as Json[]) {
      const scoped: Json[] = [];
      for (const scope of (entry[scopes] as Json[] | undefined) ?? []) {
        const mine = ((scope[items] as Json[] | undefined) ?? []).filter((i) => i.traceId === traceId);
        if (mine.length > 0) scoped.push({ ...scope, [items]: mine });
      }
      if (scoped.length > 0) kept.push({ ...entry, [scopes]: scoped });
    }
    if (kept.length > 0) {
      cut[list] = kept;
      any = true;
    }
  }
  return any ? cut : undefined;
}

/** What arrived for one signal, by service, in arrival order within each. */
class Received {
  private readonly services = new Map<string, Json[]>();

  add(request: Json): void {
    for (const [service, cut] of byService(request)) {
      const list = this.services.get(service) ?? [];
      list.push(cut);
      this.services.set(service, list);
    }
  }

  *select(service: string | null, traceId: string | null): Generator<Json> {
    const lists = service === null ? [...this.services.values()] : [this.services.get(service) ?? []];
    for (const list of lists) {
      for (const request of list) {
        if (traceId === null) yield request;
        else {
          const cut = ofTrace(request, traceId);
          if (cut) yield cut;
        }
      }
    }
  }
}

/** Writes a JSON array item by item: no single string of the whole answer, however much arrived. */
function sendArray(res: ServerResponse, items: Iterable<Json>): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('[');
  let first = true;
  for (const item of items) {
    res.write(first ? JSON.stringify(item) : `,${JSON.stringify(item)}`);
    first = false;
  }
  res.end(']');
}

export async function startOtlpSink(port = 0): Promise<OtlpSink> {
  const received: Record<Signal, Received> = {
    traces: new Received(),
    metrics: new Received(),
    logs: new Received(),
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    const parts = url.pathname.split('/').filter(Boolean);
    const signal = parts.at(-1) as Signal;
    if (req.method === 'GET' && parts[0] === 'received' && SIGNALS.includes(signal)) {
      try {
        sendArray(
          res,
          received[signal].select(url.searchParams.get('service'), url.searchParams.get('traceId')),
        );
      } catch (error) {
        // Never take the receiver (and the test run hosting it) down: answer the failure.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`could not send what arrived: ${(error as Error).message}`);
      }
      return;
    }
    if (req.method !== 'POST' || parts.at(-2) !== 'v1' || !SIGNALS.includes(signal)) {
      res.writeHead(404).end();
      return;
    }
    if (!req.headers['content-type']?.startsWith('application/json')) {
      res.writeHead(415, { 'content-type': 'text/plain' }).end('this receiver takes OTLP/JSON only');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        return;
      }
      try {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        received[signal].add(JSON.parse(body.toString('utf8')) as Json);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
