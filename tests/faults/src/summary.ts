import type { FaultResult } from './run.js';

/** Violations by their shape (ids and numbers blanked), so a thousand stuck orders are one line. */
export function groupViolations(violations: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const v of violations) {
    const kind = v
      .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>')
      .replace(/\b\d+\b/g, 'N')
      .replace(/F-[0-9A-F]{6}/g, '<sku>');
    groups.set(kind, [...(groups.get(kind) ?? []), v]);
  }
  return groups;
}

/** Requests the API did not accept, by status or error code; empty when every one was. */
export function refused(result: FaultResult): string {
  return Object.entries(result.load.failed)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}

/** The broken rules, one line a kind: what a test asserts is empty, so its diff stays short. */
export function violationLines(result: FaultResult): string[] {
  return [...groupViolations(result.report.violations)].map(
    ([kind, examples]) => `${examples.length} × ${kind}, e.g. ${examples[0]}`,
  );
}

/** What a failed run broke, grouped, with its timeline: for the CLI's report and a test's message. */
export function summary(result: FaultResult): string {
  const lines = [`${result.fault} broke ${result.report.violations.length} rule(s):`];
  for (const line of violationLines(result)) lines.push(`  - ${line}`);
  lines.push(`  timeline: ${result.timeline.join('; ')}`);
  const notAccepted = refused(result);
  if (notAccepted) lines.push(`  requests not accepted: ${notAccepted}`);
  return lines.join('\n');
}
