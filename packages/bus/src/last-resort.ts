import { context, trace } from '@opentelemetry/api';
import type { BusLogger } from './logger.js';

export interface LastResortOptions {
  /** Runs before the process exits on an uncaught exception (e.g. flush telemetry); bounded by `exitTimeoutMs`. */
  beforeExit?: () => Promise<void> | void;
  /** Longest wait for `beforeExit`. Default 2 s. */
  exitTimeoutMs?: number;
  /** Exit code after an uncaught exception. Default 1. */
  exitCode?: number;
}

function traceFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

let installed: { rejection: (reason: unknown) => void; exception: (error: unknown) => void } | undefined;

/**
 * The process's last line of defence, installed once at start-up:
 * - an unhandled promise rejection is logged (with the active trace) and the process goes on:
 *   it broke one piece of work, not the process's state;
 * - an uncaught exception is logged, `beforeExit` runs (bounded), and the process exits: after a
 *   synchronous throw escaped, going on would be unsafe (a restart is the safe answer).
 * Returns a function that removes the handlers (for tests).
 */
export function installLastResortHandlers(logger: BusLogger, options: LastResortOptions = {}): () => void {
  if (installed) {
    process.off('unhandledRejection', installed.rejection);
    process.off('uncaughtException', installed.exception);
  }
  let exiting = false;
  const rejection = (reason: unknown) => {
    logger.error({ err: reason, ...traceFields() }, 'unhandled promise rejection; the process goes on');
  };
  const exception = (error: unknown) => {
    logger.error({ err: error, ...traceFields() }, 'uncaught exception; the process exits');
    if (exiting) return;
    exiting = true;
    const code = options.exitCode ?? 1;
    const timer = setTimeout(() => process.exit(code), options.exitTimeoutMs ?? 2_000);
    timer.unref();
    Promise.resolve()
      .then(() => options.beforeExit?.())
      .catch((flushError: unknown) => logger.error({ err: flushError }, 'cleanup before exit failed'))
      .finally(() => process.exit(code));
  };
  process.on('unhandledRejection', rejection);
  process.on('uncaughtException', exception);
  installed = { rejection, exception };
  return () => {
    process.off('unhandledRejection', rejection);
    process.off('uncaughtException', exception);
    if (installed?.rejection === rejection) installed = undefined;
  };
}
