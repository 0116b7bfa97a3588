import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { binaries, ensureInstalled, repoRoot } from '@demo/infra';

const run = promisify(execFile);

/**
 * `kustomize build` of `dir` (k8s/ by default) with the pinned kustomize, installed into the
 * cache on first use. The load restrictor is off: k8s/ generates its ConfigMaps from otel/ and
 * deploy/, outside the kustomization root.
 */
export async function kustomizeBuild(dir: string = join(repoRoot, 'k8s')): Promise<string> {
  await ensureInstalled(['kustomize']);
  const { stdout } = await run(
    binaries().kustomize,
    ['build', '--load-restrictor', 'LoadRestrictionsNone', dir],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}
