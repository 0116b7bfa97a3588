import { Agent, request } from 'undici';
import { percentile } from '../src/stats.js';

/** What one closed-loop run measured. */
export interface HammerRun {
  requests: number;
  perSecond: number;
  /** Latency percentiles, in ms. */
  p50: number;
  p99: number;
  /** Answers other than 200, and requests that failed outright. */
  errors: number;
}

/** Closed loop: `connections` workers GET `url` back to back for `durationMs`, one request per connection at a time. */
export async function hammer(url: string, durationMs: number, connections: number): Promise<HammerRun> {
  const dispatcher = new Agent({ connections, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        try {
          const res = await request(url, { dispatcher });
          await res.body.dump();
          if (res.statusCode !== 200) errors += 1;
        } catch {
          errors += 1;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = performance.now() - started;
  await dispatcher.close();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    perSecond: (latencies.length * 1000) / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}
