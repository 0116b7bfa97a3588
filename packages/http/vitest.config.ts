import { project } from '../../vitest.shared.js';

export default project('http', import.meta.dirname);
