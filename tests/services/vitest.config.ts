import { project } from '../../vitest.shared.js';

export default project('services', import.meta.dirname, {
  test: { testTimeout: 120_000, hookTimeout: 120_000 },
});
