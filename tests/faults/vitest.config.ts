import { project } from '../../vitest.shared.js';

/**
 * In `npm test`: the accounting's unit tests, and the short form (on the 3-node cluster: a leader
 * kill, a service kill, PostgreSQL and MongoDB stopped 60 s, overlapping), on servers of its own
 * that it kills and stops. It takes up to about 7 minutes when the stack is slow (start, 130 s
 * of load, at most 120 s to settle, the reads); the timeout leaves room so that a slow run still
 * stops what it started.
 * The whole list runs by `npm run test:faults`; see README.md.
 */
export default project('faults', import.meta.dirname, {
  test: { testTimeout: 540_000, hookTimeout: 180_000 },
});
