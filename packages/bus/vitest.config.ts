import { project } from '../../vitest.shared.js';

export default project('bus', import.meta.dirname);
