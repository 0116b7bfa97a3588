import { fileURLToPath } from 'node:url';
import { defineProject, mergeConfig, type UserWorkspaceConfig } from 'vitest/config';

/**
 * Files at a time: the suites mostly wait on servers and processes, so three on two cores.
 * Every project must have the same number, or vitest cannot run them side by side.
 */
export const MAX_WORKERS = 3;

/** The settings every package's vitest project shares; a package adds only what differs. */
/** `root` is the package folder: pass `import.meta.dirname` from its vitest.config.ts. */
export function project(name: string, root: string, overrides: UserWorkspaceConfig = {}) {
  return mergeConfig(
    defineProject({
      resolve: { conditions: ['@demo/source'] },
      ssr: { resolve: { conditions: ['@demo/source'] } },
      root,
      test: {
        name,
        include: ['test/**/*.test.ts'],
        globalSetup: [fileURLToPath(new URL('./packages/infra/src/global-setup.ts', import.meta.url))],
        testTimeout: 30_000,
        hookTimeout: 60_000,
        // Three files at a time in every project (see vitest.config.ts). Set here, not only at the
        // root: a project's own default on two cores is one, which runs the whole suite one file
        // after another.
        maxWorkers: MAX_WORKERS,
      },
    }),
    overrides,
  );
}
