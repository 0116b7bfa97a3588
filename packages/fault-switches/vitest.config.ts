import { project } from '../../vitest.shared.js';

export default project('fault-switches', import.meta.dirname);
