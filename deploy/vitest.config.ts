import { defineProject } from 'vitest/config';

// These tests read files and run kustomize and turbo: no servers, so no @demo/infra global setup.
export default defineProject({
  resolve: { conditions: ['@demo/source'] },
  ssr: { resolve: { conditions: ['@demo/source'] } },
  root: import.meta.dirname,
  test: {
    name: 'deploy',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // The first run builds the pinned kustomize into the cache (go install).
    hookTimeout: 600_000,
  },
});
