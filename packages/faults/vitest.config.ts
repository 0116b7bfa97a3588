import { project } from '../../vitest.shared.js';

export default project('faults', import.meta.dirname);
