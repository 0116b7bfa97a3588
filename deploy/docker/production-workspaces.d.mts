export interface Workspace {
  dir: string;
  manifest: Record<string, unknown>;
}
export function listWorkspaces(root: string): Map<string, Workspace>;
export function productionClosure(workspaces: Map<string, Workspace>, name: string): Set<string>;
export function rewriteForProduction(root: string, name: string): { kept: string[]; removed: string[] };
