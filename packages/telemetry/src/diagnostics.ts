import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import {
  diagLogLevelFromString,
  type ExportResult,
  ExportResultCode,
  setGlobalErrorHandler,
} from '@opentelemetry/core';

/** How long a run of similar messages stays one burst: one line at its start, a count at its end. */
const BURST_WINDOW_MS = 60_000;

type Level = 'error' | 'warn' | 'info' | 'debug' | 'verbose';

function describe(arg: unknown): string {
  if (arg instanceof Error) {
    const cause = arg.cause instanceof Error ? ` (cause: ${arg.cause.message})` : '';
    return `${arg.message}${cause}`;
  }
  if (typeof arg === 'string') return arg;
  try {
    return JSON.stringify(arg);
  } catch {
    return String(arg);
  }
}

/**
 * The SDK's own diagnostics as JSON lines on stderr (stdout belongs to the application's logs),
 * with repeats collapsed: a message seen again inside the burst window is counted, not printed.
 */
class BurstDiagLogger implements DiagLogger {
  private readonly seen = new Map<string, { until: number; suppressed: number }>();

  constructor(private readonly write: (line: string) => void) {}

  private log(level: Level, message: string, args: unknown[]): void {
    const now = Date.now();
    const key = `${level}:${message.replace(/\d+/g, '#')}`;
    const entry = this.seen.get(key);
    if (entry && entry.until > now) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.seen.set(key, { until: now + BURST_WINDOW_MS, suppressed: 0 });
    if (this.seen.size > 500) this.seen.clear();
    const detail = args.map(describe).join(' ');
    const line: Record<string, unknown> = {
      level,
      time: new Date(now).toISOString(),
      name: 'opentelemetry',
      msg: detail ? `${message} ${detail}` : message,
    };
    if (suppressed > 0) line.suppressed_since_last = suppressed;
    this.write(`${JSON.stringify(line)}\n`);
  }

  error = (message: string, ...args: unknown[]) => this.log('error', message, args);
  warn = (message: string, ...args: unknown[]) => this.log('warn', message, args);
  info = (message: string, ...args: unknown[]) => this.log('info', message, args);
  debug = (message: string, ...args: unknown[]) => this.log('debug', message, args);
  verbose = (message: string, ...args: unknown[]) => this.log('verbose', message, args);
}

/** Installs the diag logger (level from OTEL_LOG_LEVEL, default warn) and the global error handler. */
export function installDiagnostics(level: string): void {
  diag.setLogger(
    new BurstDiagLogger((line) => process.stderr.write(line)),
    diagLogLevelFromString(level) ?? DiagLogLevel.WARN,
  );
  // Export failures reach the SDK's global error handler from every batch processor and reader.
  setGlobalErrorHandler((error) => exportHealth.failed('export', error));
}

/**
 * Export failures per burst: the first failure after a success (or after start) is logged once
 * with its cause; later failures only count; the first success after them logs the recovery.
 */
class ExportHealth {
  private failing = new Map<string, number>();

  failed(signal: string, error: unknown): void {
    const count = this.failing.get(signal);
    if (count !== undefined) {
      this.failing.set(signal, count + 1);
      return;
    }
    // A processor reports what its exporter already reported: one burst covers both.
    if (signal === 'export' && this.failing.size > 0) return;
    this.failing.set(signal, 1);
    diag.warn(
      `telemetry: ${signal} export failing, data is dropped until the collector answers (further failures are counted, not logged):`,
      describe(error),
    );
  }

  succeeded(signal: string): void {
    const count = this.failing.get(signal);
    if (count === undefined) return;
    this.failing.delete(signal);
    this.failing.delete('export');
    diag.warn(`telemetry: ${signal} export recovered after ${count} failed export(s)`);
  }
}

export const exportHealth = new ExportHealth();

interface Exporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
}

/** The same exporter, reporting each export's outcome to `exportHealth`. */
export function watchExports<T, E extends Exporter<T>>(
  signal: 'traces' | 'metrics' | 'logs',
  exporter: E,
): E {
  const original = exporter.export.bind(exporter);
  exporter.export = (items: T, resultCallback: (result: ExportResult) => void) => {
    original(items, (result) => {
      if (result.code === ExportResultCode.SUCCESS) exportHealth.succeeded(signal);
      else exportHealth.failed(signal, result.error ?? new Error('export failed'));
      resultCallback(result);
    });
  };
  return exporter;
}
