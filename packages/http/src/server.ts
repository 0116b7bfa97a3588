import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context } from '@opentelemetry/api';
import type { HttpApp } from './app.js';
import { serverTelemetry } from './server-telemetry.js';

export interface CloseResult {
  /** True when in-flight requests outlived the timeout and their connections were cut. */
  forced: boolean;
}

/**
 * A node:http server around an app; it listens only when told to. Each request runs in its
 * server span (see `serverTelemetry`), ended with its duration recorded when the response closes.
 */
export interface HttpServer {
  readonly server: Server;
  /** Starts listening; port 0 picks a free port. Resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Stops accepting connections, lets in-flight requests finish (their connections close after
   * the response), closes idle keep-alive connections, and after `timeoutMs` (default 10 s)
   * cuts whatever is left.
   */
  close(options?: { timeoutMs?: number }): Promise<CloseResult>;
}

export function createHttpServer(app: HttpApp): HttpServer {
  const inFlight = new Set<ServerResponse>();
  let closing: Promise<CloseResult> | undefined;

  const telemetry = serverTelemetry();

  const server = createServer((req, res) => {
    inFlight.add(res);
    const request = telemetry.start(req);
    res.on('close', () => {
      inFlight.delete(res);
      request.end(res);
      // The connection turns idle once the response is out: close it rather than keep it alive.
      if (closing !== undefined) setImmediate(() => server.closeIdleConnections());
    });
    if (closing !== undefined) res.setHeader('connection', 'close');
    context.with(request.context, () => app.handle(req, res));
  });

  const listen = (port: number, host?: string) =>
    new Promise<AddressInfo>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve(server.address() as AddressInfo);
      });
    });

  const close = ({ timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<CloseResult> => {
    closing ??= new Promise<CloseResult>((resolve) => {
      let forced = false;
      const timer = setTimeout(() => {
        forced = inFlight.size > 0;
        server.closeAllConnections();
      }, timeoutMs);
      server.close(() => {
        clearTimeout(timer);
        resolve({ forced });
      });
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      server.closeIdleConnections();
    });
    return closing;
  };

  return { server, listen, close };
}
