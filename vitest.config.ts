import { defineConfig } from 'vitest/config';

/**
 * `npm test`: every package's and service's tests in one run, against real servers that the
 * @demo/infra global setup resolves once (environment, testcontainers, or local binaries).
 */
export default defineConfig({
  test: {
    globalSetup: ['./packages/infra/src/global-setup.ts'],
    projects: ['packages/*', 'services/*'],
  },
});
