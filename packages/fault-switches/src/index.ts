export { faultRoutes } from './admin.js';
export type { FaultsLogger } from './faults.js';
export { FaultInjectedError, Faults } from './faults.js';
export type { FaultName, FaultSettings, FaultUpdate } from './switches.js';
export {
  FAULT_NAMES,
  FAULT_SWITCHES,
  FaultConfigError,
  faultUpdate,
  NO_FAULTS,
  parseFaultsEnv,
} from './switches.js';
