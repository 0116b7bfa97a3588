import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { headerValue } from '../wire.js';

/** One line of `tail`: time, subject, event id, trace id, size, and a bounded excerpt of the body. */
export function tailLine(msg: Pick<Msg, 'subject' | 'data' | 'headers'>, now = new Date()): string {
  let id = '-';
  let traceId = '-';
  try {
    const h = msg.headers;
    if (h?.has('ce-id')) id = headerValue(h.get('ce-id'), 80);
    const tp = h?.has('traceparent') ? h.get('traceparent') : '';
    const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(tp);
    if (match?.[1]) traceId = match[1];
  } catch {
    id = '(undecodable headers)';
  }
  const body = headerValue(new TextDecoder().decode(msg.data.subarray(0, 400)), 160);
  return `${now.toISOString()} ${msg.subject} id=${id} trace=${traceId} ${msg.data.length}B ${body}`;
}

/** Prints live messages on `subjects` until `count` were seen, `timeoutMs` passed, or the signal aborts. */
export async function tail(
  nc: NatsConnection,
  subjects: readonly string[],
  write: (line: string) => void,
  options: { count?: number; timeoutMs?: number; signal?: AbortSignal; onReady?: () => void } = {},
): Promise<number> {
  let seen = 0;
  const subs = subjects.map((s) => nc.subscribe(s));
  await nc.flush();
  options.onReady?.();
  const done = new Promise<void>((resolve) => {
    const stop = () => {
      for (const sub of subs) sub.unsubscribe();
      resolve();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    if (options.timeoutMs) setTimeout(stop, options.timeoutMs).unref();
    for (const sub of subs) {
      void (async () => {
        for await (const msg of sub) {
          write(tailLine(msg));
          seen += 1;
          if (options.count && seen >= options.count) stop();
        }
      })();
    }
  });
  await done;
  return seen;
}
