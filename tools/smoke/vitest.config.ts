import { defineProject } from 'vitest/config';

// Pure functions and a loopback HTTP server: no servers needed, so no @demo/infra global setup.
export default defineProject({
  resolve: { conditions: ['@demo/source'] },
  ssr: { resolve: { conditions: ['@demo/source'] } },
  root: import.meta.dirname,
  test: { name: 'smoke', include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
