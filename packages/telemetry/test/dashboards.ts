import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@demo/infra';

export const dashboardsDir = join(repoRoot, 'otel', 'grafana', 'dashboards');

export interface DashboardQuery {
  /** `<file> / <panel title>` or `<file> / $<variable>`. */
  where: string;
  expr: string;
  /** A panel target (drawn) or a template variable's `label_values(...)` (a drop-down). */
  kind: 'panel' | 'variable';
  /** The target asks Grafana for exemplars (dots that open the trace). */
  exemplar: boolean;
}

interface Panel {
  title?: string;
  targets?: { expr?: string; exemplar?: boolean }[];
  panels?: Panel[];
}

/** Every PromQL expression of every dashboard: panel targets and query variables. */
export function dashboardQueries(): DashboardQuery[] {
  return readdirSync(dashboardsDir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) => {
      const dashboard = JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as {
        panels?: Panel[];
        templating?: { list?: { name: string; query?: string | { query?: string } }[] };
      };
      const panels = (list: Panel[] = []): Panel[] => list.flatMap((p) => [p, ...panels(p.panels)]);
      const targets = panels(dashboard.panels).flatMap((p) =>
        (p.targets ?? [])
          .filter((t) => t.expr)
          .map((t) => ({
            where: `${file} / ${p.title}`,
            expr: t.expr ?? '',
            kind: 'panel' as const,
            exemplar: t.exemplar === true,
          })),
      );
      const variables = (dashboard.templating?.list ?? []).flatMap((v) => {
        const query = typeof v.query === 'string' ? v.query : v.query?.query;
        const inner = query?.match(/^label_values\((.*),\s*\w+\)$/)?.[1];
        return inner
          ? [{ where: `${file} / $${v.name}`, expr: inner, kind: 'variable' as const, exemplar: false }]
          : [];
      });
      return [...targets, ...variables];
    });
}

/**
 * What Grafana sends for a dashboard's default range (last hour) with the provisioned datasource
 * (timeInterval 15s): `$__interval` 15s, `$__rate_interval` max(interval + 15s, 4 × 15s) = 1m,
 * `$__range` 1h, and every variable on "All" (`.*`).
 */
export function atGrafanaDefaults(expr: string): string {
  return expr
    .replace(/\$__rate_interval/g, '1m')
    .replace(/\$__interval/g, '15s')
    .replace(/\$__range/g, '1h')
    .replace(/\$\{?\w+\}?/g, '.*');
}

/** The fallback that makes a panel answer 0 rather than "No data" before its first event. */
const ZERO_FALLBACK = /\s+or\s+vector\(0\)\s*$/;

export function hasZeroFallback(expr: string): boolean {
  return ZERO_FALLBACK.test(expr);
}

/** The query without its trailing `or vector(0)`: what the metrics themselves answer. */
export function withoutZeroFallback(expr: string): string {
  return expr.replace(ZERO_FALLBACK, '');
}
