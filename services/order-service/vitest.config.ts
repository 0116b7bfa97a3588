import { project } from '../../vitest.shared.js';

export default project('order-service', import.meta.dirname);
