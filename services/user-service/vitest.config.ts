import { project } from '../../vitest.shared.js';

export default project('user-service', import.meta.dirname);
