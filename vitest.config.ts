import { defineConfig } from 'vitest/config';
import LongestFirst from './vitest.sequencer.js';
import { MAX_WORKERS } from './vitest.shared.js';

/**
 * `npm test`: every package's and service's tests in one run, against real servers that the
 * @demo/infra global setup (named by every project, see vitest.shared.ts) resolves once.
 */
export default defineConfig({
  test: {
    projects: ['packages/*', 'services/*', 'tests/*', 'tools/*', 'deploy'],
    // The suites mostly wait on servers and processes: three files at a time on two cores (the
    // default would run one), each with servers and names of its own.
    maxWorkers: MAX_WORKERS,
    sequence: { sequencer: LongestFirst },
  },
});
