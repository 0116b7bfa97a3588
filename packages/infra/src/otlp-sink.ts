import { createServer, type Server } from 'node:http';
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

/**
 * The export requests cut down to the resources of one `service.name`: what a test of one
 * service reads, instead of everything the whole suite has sent (which grows to hundreds of MB).
 */
function ofService(requests: readonly unknown[], service: string): unknown[] {
  const named = (entry: ResourceEntry) =>
    entry.resource?.attributes?.some((a) => a.key === 'service.name' && a.value?.stringValue === service) ===
    true;
  const kept: unknown[] = [];
  for (const request of requests) {
    const cut: Record<string, unknown> = {};
    let any = false;
    for (const list of RESOURCE_LISTS) {
      const entries = (request as Record<string, unknown>)[list];
      if (!Array.isArray(entries)) continue;
      const mine = (entries as ResourceEntry[]).filter(named);
      if (mine.length > 0) {
        cut[list] = mine;
        any = true;
      }
    }
    if (any) kept.push(cut);
  }
  return kept;
}

export async function startOtlpSink(port = 0): Promise<OtlpSink> {
  const received: Record<Signal, unknown[]> = { traces: [], metrics: [], logs: [] };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    const parts = url.pathname.split('/').filter(Boolean);
    const signal = parts.at(-1) as Signal;
    if (req.method === 'GET' && parts[0] === 'received' && SIGNALS.includes(signal)) {
      const service = url.searchParams.get('service');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(service === null ? received[signal] : ofService(received[signal], service)));
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
        received[signal].push(JSON.parse(body.toString('utf8')));
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
