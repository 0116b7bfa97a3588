import { project } from '../../vitest.shared.js';

export default project('inventory-service', import.meta.dirname);
