// Cuts a `turbo prune --docker` tree down to what one workspace package needs at run time, so
// that `npm prune --omit=dev` can drop the rest from node_modules. turbo keeps the workspace
// packages a service depends on for its tests too (devDependencies, e.g. @demo/infra), and npm
// installs the dependencies of every workspace listed at the root: both are removed here.
//
//   node production-workspaces.mjs <workspace package name> <root of the pruned tree>
//
// It DELETES the folders of the other workspace packages under that root: it refuses to touch a
// tree that is a git work tree (a checkout, not a pruned copy).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const writeJson = (file, value) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

/**
 * The workspace packages of the tree at `root`, by package name. Supports the patterns npm
 * workspaces use here: `folder/*` and `folder`.
 * @param {string} root
 * @returns {Map<string, { dir: string; manifest: Record<string, unknown> }>}
 */
export function listWorkspaces(root) {
  const patterns = readJson(join(root, 'package.json')).workspaces ?? [];
  const dirs = patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    if (!existsSync(join(root, parent))) return [];
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`);
  });
  const found = new Map();
  for (const dir of dirs) {
    const file = join(root, dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = readJson(file);
    found.set(manifest.name, { dir, manifest });
  }
  return found;
}

/**
 * The workspace packages `name` needs at run time: itself and, transitively, the workspace
 * packages among its `dependencies` and `optionalDependencies`.
 * @param {Map<string, { dir: string; manifest: Record<string, unknown> }>} workspaces
 * @param {string} name
 * @returns {Set<string>}
 */
export function productionClosure(workspaces, name) {
  if (!workspaces.has(name)) throw new Error(`no workspace package named ${name}`);
  const keep = new Set([name]);
  const queue = [name];
  while (queue.length > 0) {
    const { manifest } = workspaces.get(queue.shift());
    const deps = { ...(manifest.dependencies ?? {}), ...(manifest.optionalDependencies ?? {}) };
    for (const dep of Object.keys(deps)) {
      if (workspaces.has(dep) && !keep.has(dep)) {
        keep.add(dep);
        queue.push(dep);
      }
    }
  }
  return keep;
}

/**
 * Rewrites the pruned tree at `root` for a production install of `name`: removes the workspace
 * folders it does not need at run time, drops every devDependencies field and lists only the
 * kept folders as workspaces. Returns the package names kept and removed. Refuses a git work
 * tree: this is for the throw-away copy `turbo prune` writes, never for a checkout.
 * @param {string} root
 * @param {string} name
 * @returns {{ kept: string[]; removed: string[] }}
 */
export function rewriteForProduction(root, name) {
  if (existsSync(join(root, '.git'))) {
    throw new Error(
      `${root} is a git work tree, not a pruned copy: refusing to delete workspace folders there`,
    );
  }
  const workspaces = listWorkspaces(root);
  const keep = productionClosure(workspaces, name);
  const kept = [];
  const removed = [];
  for (const [pkg, { dir, manifest }] of workspaces) {
    if (keep.has(pkg)) {
      delete manifest.devDependencies;
      writeJson(join(root, dir, 'package.json'), manifest);
      kept.push(pkg);
    } else {
      rmSync(join(root, dir), { recursive: true, force: true });
      removed.push(pkg);
    }
  }
  const rootManifest = readJson(join(root, 'package.json'));
  delete rootManifest.devDependencies;
  rootManifest.workspaces = kept.map((pkg) => workspaces.get(pkg).dir).sort();
  writeJson(join(root, 'package.json'), rootManifest);
  return { kept: kept.sort(), removed: removed.sort() };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [name, root] = process.argv.slice(2);
  if (!name || !root) {
    process.stderr.write(
      'usage: node production-workspaces.mjs <workspace package name> <root of the pruned tree>\n',
    );
    process.exit(2);
  }
  const { kept, removed } = rewriteForProduction(resolve(root), name);
  process.stdout.write(
    `run-time workspaces of ${name}: ${kept.join(', ')}; removed: ${removed.join(', ') || 'none'}\n`,
  );
}
