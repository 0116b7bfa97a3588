import { type Attributes, type Context, context, propagation, trace } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Business identifiers that follow a piece of work across services: set once where the work
 * starts (`withAppContext({ 'app.order.id': id }, …)`), carried as W3C baggage in the context, in
 * outbox rows and in message headers, and copied onto every span started under it, so a search by
 * `app.order.id` finds the order's spans in every service (server, database, publish, process).
 */
export const APP_KEYS = ['app.order.id', 'app.user.id'] as const;
export type AppKey = (typeof APP_KEYS)[number];
export type AppAttributes = Partial<Record<AppKey, string>>;

/** Longer values are not copied: baggage also arrives from outside, in HTTP and message headers. */
const MAX_VALUE_LENGTH = 128;

/** The app attributes a context's baggage carries (known keys, bounded values only). */
export function appAttributesOf(ctx: Context): Attributes {
  const baggage = propagation.getBaggage(ctx);
  const attributes: Attributes = {};
  if (!baggage) return attributes;
  for (const key of APP_KEYS) {
    const value = baggage.getEntry(key)?.value;
    if (value && value.length <= MAX_VALUE_LENGTH) attributes[key] = value;
  }
  return attributes;
}

/**
 * Sets `attributes` on the active span while it still records. A request answered by its
 * timeout, or whose client went away, has ended its server span while the handler goes on; an
 * ended span takes no attributes (the SDK warns "Operation on ended Span"), so they are dropped.
 */
export function annotateActiveSpan(attributes: Attributes): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.setAttributes(attributes);
}

/**
 * Runs `fn` in a context whose baggage carries `attributes`, after setting them on the active
 * span too while it records (it started before they were known).
 */
export function withAppContext<T>(attributes: AppAttributes, fn: () => T): T {
  const entries = Object.entries(attributes).filter((e): e is [AppKey, string] => typeof e[1] === 'string');
  annotateActiveSpan(Object.fromEntries(entries));
  let baggage = propagation.getBaggage(context.active()) ?? propagation.createBaggage();
  for (const [key, value] of entries) baggage = baggage.setEntry(key, { value });
  return context.with(propagation.setBaggage(context.active(), baggage), fn);
}

/** Copies the context's app attributes onto every span when it starts. */
export class AppAttributesSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const attributes = appAttributesOf(parentContext);
    if (Object.keys(attributes).length > 0) span.setAttributes(attributes);
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
