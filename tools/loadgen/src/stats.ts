/** Latency percentiles by the nearest-rank method: the smallest value with at least p% at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0] as number;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export interface Summary {
  requests: number;
  errors: number;
  byStatus: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Outcomes of one kind of request: status counts and latencies in milliseconds. */
export class Recorder {
  private readonly latencies: number[] = [];
  private readonly statuses = new Map<string, number>();
  private failures = 0;

  record(status: number | 'error', latencyMs: number, ok: boolean): void {
    this.latencies.push(latencyMs);
    const key = String(status);
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
    if (!ok) this.failures++;
  }

  get requests(): number {
    return this.latencies.length;
  }

  get errors(): number {
    return this.failures;
  }

  summary(): Summary {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      requests: sorted.length,
      errors: this.failures,
      byStatus: Object.fromEntries([...this.statuses.entries()].sort()),
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? Number.NaN,
    };
  }
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value.toFixed(1)}ms`);

export function formatSummary(name: string, s: Summary): string {
  const statuses = Object.entries(s.byStatus)
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
  return `${name.padEnd(16)} requests=${s.requests} errors=${s.errors} p50=${ms(s.p50)} p95=${ms(s.p95)} p99=${ms(s.p99)} max=${ms(s.max)} [${statuses}]`;
}
