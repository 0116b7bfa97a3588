import { project } from '../../vitest.shared.js';

export default project('transient-errors', import.meta.dirname);
