import type { AddressInfo } from 'node:net';
import {
  type AppOptions,
  createApp,
  createHttpServer,
  type HttpLogger,
  type HttpServer,
} from '../src/index.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string | undefined;
  [field: string]: unknown;
}

/** A logger that keeps what it is given, bindings included, for assertions. */
export function memoryLogger(
  entries: LogEntry[] = [],
  bindings: Record<string, unknown> = {},
): HttpLogger & {
  entries: LogEntry[];
} {
  const write = (level: LogEntry['level']) => (obj: object, msg?: string) => {
    entries.push({ ...bindings, ...obj, level, msg });
  };
  return {
    entries,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => memoryLogger(entries, { ...bindings, ...more }),
  };
}

export interface Started {
  http: HttpServer;
  url: string;
  address: AddressInfo;
}

/** Builds an app and listens on a free loopback port. */
export async function start(options: AppOptions): Promise<Started> {
  const http = createHttpServer(createApp(options));
  const address = await http.listen(0, '127.0.0.1');
  return { http, address, url: `http://127.0.0.1:${address.port}` };
}

/** A promise with its resolver, for holding a handler until the test lets it go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
