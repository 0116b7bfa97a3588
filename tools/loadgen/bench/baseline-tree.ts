import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** Where baselines are unpacked (git-ignored): inside the repository, so they resolve its node_modules. */
export const BASELINE_DIR = '.bench';

/** A link of the root node_modules to a workspace: `@demo/http -> ../../packages/http`. */
export interface WorkspaceLink {
  /** Path under node_modules, e.g. `@demo/http` or `user-service`. */
  name: string;
  /** The workspace folder, relative to the repository root (`packages/http`). */
  folder: string;
}

/**
 * The workspace links of `<root>/node_modules` (npm puts one per workspace): a link whose target
 * lies inside the repository and outside node_modules.
 */
export function workspaceLinks(root: string): WorkspaceLink[] {
  const modules = join(root, 'node_modules');
  const links: WorkspaceLink[] = [];
  const visit = (name: string) => {
    const path = join(modules, name);
    if (!lstatSync(path).isSymbolicLink()) return;
    const target = readlinkSync(path);
    const folder = relative(root, isAbsolute(target) ? target : resolve(dirname(path), target));
    if (folder.startsWith('..') || folder.split('/').includes('node_modules')) return;
    links.push({ name, folder });
  };
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('@')) {
      for (const scoped of readdirSync(join(modules, entry))) visit(`${entry}/${scoped}`);
    } else visit(entry);
  }
  return links;
}

/**
 * The tree of `ref` unpacked under `<root>/.bench/<commit>`, with node_modules links to its own
 * workspaces (third-party packages resolve from the repository's node_modules, one level up, and
 * a workspace's own node_modules is linked to this checkout's). Made once per commit; answers
 * the tree's root and the commit.
 */
export function baselineTree(root: string, ref: string): { root: string; commit: string } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const tree = join(root, BASELINE_DIR, commit.slice(0, 12));
  const ready = join(tree, '.unpacked');
  if (existsSync(ready)) return { root: tree, commit };
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  execFileSync('sh', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'sh', commit, tree], {
    cwd: root,
  });
  for (const { name, folder } of workspaceLinks(root)) {
    if (!existsSync(join(tree, folder))) continue;
    const link = join(tree, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), join(tree, folder)), link);
    const own = join(root, folder, 'node_modules');
    if (existsSync(own) && !existsSync(join(tree, folder, 'node_modules')))
      symlinkSync(own, join(tree, folder, 'node_modules'));
  }
  writeFileSync(ready, `${commit}\n`);
  return { root: tree, commit };
}
