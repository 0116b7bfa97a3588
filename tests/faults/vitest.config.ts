import { project } from '../../vitest.shared.js';

/**
 * The accounting's unit tests run in `npm test`. The fault runs start servers of their own
 * (they kill and stop them) and run by `npm run test:faults`; see README.md.
 */
export default project('faults', import.meta.dirname, {
  test: { testTimeout: 420_000, hookTimeout: 180_000 },
});
