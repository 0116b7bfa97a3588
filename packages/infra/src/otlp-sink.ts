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

export async function startOtlpSink(port = 0): Promise<OtlpSink> {
  const received: Record<Signal, unknown[]> = { traces: [], metrics: [], logs: [] };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    const parts = url.pathname.split('/').filter(Boolean);
    const signal = parts.at(-1) as Signal;
    if (req.method === 'GET' && parts[0] === 'received' && SIGNALS.includes(signal)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(received[signal]));
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
