import { project } from '../../vitest.shared.js';

export default project('e2e', import.meta.dirname, { test: { testTimeout: 120_000, hookTimeout: 180_000 } });
