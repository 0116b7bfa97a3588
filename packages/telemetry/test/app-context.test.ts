import { context, type DiagLogger, DiagLogLevel, diag, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { annotateActiveSpan } from '../src/app-context.js';
import { appAttributesOf, withAppContext } from '../src/index.js';

// A real tracer provider in this process, and the SDK's diagnostics kept: an attribute set on an
// ended span is what the SDK warns about ("Can not execute the operation on ended Span").
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = provider.getTracer('app-context-test');
const warnings: string[] = [];
const keep = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
const logger: DiagLogger = { error: keep, warn: keep, info: () => {}, debug: () => {}, verbose: () => {} };

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CBaggagePropagator());
  diag.setLogger(logger, DiagLogLevel.WARN);
});
afterAll(() => {
  diag.disable();
  context.disable();
  propagation.disable();
});
beforeEach(() => {
  warnings.length = 0;
  exporter.reset();
});

describe('app attributes on the active span', () => {
  it('go onto a span that still records, and into the baggage for the work under it', () => {
    const span = tracer.startSpan('POST /api/orders');
    const baggage = context.with(trace.setSpan(context.active(), span), () =>
      withAppContext({ 'app.order.id': 'o-1' }, () => appAttributesOf(context.active())),
    );
    span.end();
    expect(baggage).toEqual({ 'app.order.id': 'o-1' });
    expect(exporter.getFinishedSpans()[0]?.attributes['app.order.id']).toBe('o-1');
    expect(warnings).toEqual([]);
  });

  it('are left off a span that already ended (a request answered by its timeout), without a warning', () => {
    const span = tracer.startSpan('POST /api/orders');
    span.end();
    const baggage = context.with(trace.setSpan(context.active(), span), () => {
      annotateActiveSpan({ 'app.user.id': 'u-1' });
      return withAppContext({ 'app.order.id': 'o-2' }, () => appAttributesOf(context.active()));
    });
    // The work under it still carries the order's identity to its own spans and messages.
    expect(baggage).toEqual({ 'app.order.id': 'o-2' });
    expect(exporter.getFinishedSpans()[0]?.attributes).not.toHaveProperty('app.order.id');
    expect(exporter.getFinishedSpans()[0]?.attributes).not.toHaveProperty('app.user.id');
    expect(warnings).toEqual([]);
  });

  it('the warning these calls avoid is real: setting attributes on an ended span warns', () => {
    const span = tracer.startSpan('POST /api/orders');
    span.end();
    span.setAttributes({ 'app.order.id': 'o-3' });
    expect(warnings.join('\n')).toMatch(/ended Span/);
  });
});
