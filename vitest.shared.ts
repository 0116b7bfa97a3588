import { fileURLToPath } from 'node:url';
import { defineProject, mergeConfig, type UserWorkspaceConfig } from 'vitest/config';

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
      },
    }),
    overrides,
  );
}
