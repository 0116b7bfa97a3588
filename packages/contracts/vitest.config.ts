import { project } from '../../vitest.shared.js';

export default project('contracts', import.meta.dirname);
