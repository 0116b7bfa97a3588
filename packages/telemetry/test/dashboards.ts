import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@demo/infra';

export const dashboardsDir = join(repoRoot, 'otel', 'grafana', 'dashboards');

export interface DashboardQuery {
  /** `<file> / <panel title>` or `<file> / $<variable>`. */
  where: string;
  expr: string;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
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
          .map((t) => ({ where: `${file} / ${p.title}`, expr: t.expr ?? '' })),
      );
      const variables = (dashboard.templating?.list ?? []).flatMap((v) => {
        const query = typeof v.query === 'string' ? v.query : v.query?.query;
        const inner = query?.match(/^label_values\((.*),\s*\w+\)$/)?.[1];
        return inner ? [{ where: `${file} / $${v.name}`, expr: inner }] : [];
      });
      return [...targets, ...variables];
    });
}
