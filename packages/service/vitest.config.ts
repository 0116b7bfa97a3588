import { project } from '../../vitest.shared.js';

export default project('service', import.meta.dirname);
