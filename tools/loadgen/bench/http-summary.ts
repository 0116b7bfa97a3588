import type { HammerRun } from './hammer.js';

/** One measured run of one server. */
export interface HttpRound {
  /** The server: `on`, `off`, `baseline on`, `baseline off`. */
  label: string;
  round: number;
  run: HammerRun;
  /** CPU time the server used per request, in ms. */
  serverCpuMsPerRequest: number;
  /** CPU of the collector during the run, in % of one core. */
  collectorCpuPercent: number;
}

export interface HttpVariantSummary {
  label: string;
  rounds: number;
  /** Medians over the rounds. */
  perSecond: number;
  p50: number;
  p99: number;
  serverCpuMsPerRequest: number;
  collectorCpuPercent: number;
  errors: number;
}

export interface HttpRatio {
  /** `on / off`, or `baseline on / baseline off`. */
  name: string;
  /** Telemetry on over off, req/s, per round (both measured in the same round). */
  perRound: number[];
  median: number;
  /** Server CPU per request, off over on (1 = telemetry costs no CPU), median of the rounds. */
  cpuMedian: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The medians of each server, in the order the labels first appear. */
export function summarizeVariants(rounds: readonly HttpRound[]): HttpVariantSummary[] {
  const labels = [...new Set(rounds.map((r) => r.label))];
  return labels.map((label) => {
    const mine = rounds.filter((r) => r.label === label);
    return {
      label,
      rounds: mine.length,
      perSecond: median(mine.map((r) => r.run.perSecond)),
      p50: median(mine.map((r) => r.run.p50)),
      p99: median(mine.map((r) => r.run.p99)),
      serverCpuMsPerRequest: median(mine.map((r) => r.serverCpuMsPerRequest)),
      collectorCpuPercent: median(mine.map((r) => r.collectorCpuPercent)),
      errors: mine.reduce((sum, r) => sum + r.run.errors, 0),
    };
  });
}

/**
 * `on / off` from the runs of the same round, for each `[on, off]` label pair present: the ratio
 * of the neighbours, not of medians taken at different times of a shared machine.
 */
export function telemetryRatios(
  rounds: readonly HttpRound[],
  pairs: ReadonlyArray<readonly [on: string, off: string]>,
): HttpRatio[] {
  return pairs.flatMap(([on, off]) => {
    const perRound: number[] = [];
    const cpu: number[] = [];
    for (const r of new Set(rounds.map((x) => x.round))) {
      const a = rounds.find((x) => x.round === r && x.label === on);
      const b = rounds.find((x) => x.round === r && x.label === off);
      if (!a || !b) continue;
      perRound.push(a.run.perSecond / b.run.perSecond);
      cpu.push(b.serverCpuMsPerRequest / a.serverCpuMsPerRequest);
    }
    return perRound.length === 0
      ? []
      : [{ name: `${on} / ${off}`, perRound, median: median(perRound), cpuMedian: median(cpu) }];
  });
}
