import type { FaultResult } from './run.js';

const COLUMNS = [
  'fault',
  'rate/s',
  'accepted',
  'confirmed',
  'rejected',
  'lost',
  'duplicated',
  'stuck',
  'dead letters',
  'saga p50',
  'saga p99',
  'max RSS',
  'result',
] as const;

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

export function row(result: FaultResult): string[] {
  const r = result.report;
  const rss = Math.max(0, ...Object.values(r.maxRss));
  return [
    result.fault,
    result.achievedRate.toFixed(1),
    String(r.accepted),
    String(r.confirmed),
    String(r.rejected),
    String(r.lost),
    String(r.duplicated),
    String(r.stuck),
    String(r.deadLetters),
    seconds(r.sagaP50Ms),
    seconds(r.sagaP99Ms),
    `${Math.round(rss / 2 ** 20)} MiB`,
    result.ok ? 'ok' : `FAIL (${r.violations.length})`,
  ];
}

/** A Markdown table: readable in a terminal, pasted as is into docs/reliability.md. */
export function table(results: readonly FaultResult[]): string {
  const rows = [COLUMNS.slice(), ...results.map(row)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(rows[0] ?? []), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}
