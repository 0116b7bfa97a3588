export { CoalescedWrites } from './coalesced-writes.js';
export type { Committed } from './committed.js';
export { noRelay } from './committed.js';
export { withCredentials } from './credentials.js';
export type {
  ConsumerDefinition,
  ConsumerSpec,
  Delivery,
  ServiceDefinition,
  ServiceSpec,
} from './definition.js';
export { consume, DEFAULT_DELIVERY, defineService, durableName } from './definition.js';
export type { BaseEnv, LogLevel } from './env.js';
export {
  baseEnv,
  EnvError,
  LOG_LEVELS,
  natsServers,
  optional,
  parseEnv,
  provisionEnv,
  required,
  splitList,
  url,
  urls,
  withDefault,
} from './env.js';
export type { Kill } from './faults.js';
export { crashAfterCommit } from './faults.js';
export type { ProvisionOptions } from './provision.js';
export { provisionStreams } from './provision.js';
export type { RunningService, RunServiceOptions, ServiceParts, StartContext } from './run.js';
export { runService } from './run.js';
export type { DeclaredService, TopologyRoute } from './topology.js';
export { topologyDifferences } from './topology.js';
