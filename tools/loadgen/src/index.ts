export type { CreateStock, CreateUser, OrderItem, PlaceOrder } from './bodies.js';
export { idOf, orderBody, paths, stockBody, userBody } from './bodies.js';
export type { Config } from './config.js';
export { configSchema, loadConfig, parseDuration } from './config.js';
export type { Report, RunOptions } from './loadgen.js';
export { formatReport, runLoad } from './loadgen.js';
export { dueAt, dueBy, totalRequests } from './pacing.js';
export type { Summary } from './stats.js';
export { formatSummary, percentile, Recorder } from './stats.js';
