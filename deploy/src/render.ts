/**
 * npm run --silent k8s:render [dir]   prints the manifests of k8s/ (or dir), ready for
 *                                      `| kubectl apply -f -`. Progress goes to stderr.
 */
import { resolve } from 'node:path';
import { kustomizeBuild } from './kustomize.js';

const dir = process.argv[2];
try {
  process.stdout.write(await kustomizeBuild(dir ? resolve(dir) : undefined));
} catch (error) {
  process.stderr.write(`k8s:render failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
