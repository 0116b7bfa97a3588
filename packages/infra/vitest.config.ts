import { project } from '../../vitest.shared.js';

export default project('infra', import.meta.dirname);
