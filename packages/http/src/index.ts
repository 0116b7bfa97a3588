export type { AccessLogLevel, AccessLogPolicy } from './access-log.js';
export { accessLogLevel, DEFAULT_SLOW_REQUEST_MS } from './access-log.js';
export type { AppOptions, HttpApp } from './app.js';
export { appRoutes, createApp } from './app.js';
export type { CheckState, ReadinessCheck, ReadinessReport } from './health.js';
export { CANONICAL_UUID, INT32_MAX, input, isStorableText } from './input.js';
export type { HttpLogger } from './logger.js';
export type { OpenApiInfo } from './openapi.js';
export { documentationOnly, openApiDocument, problemSchema, renderOpenApi } from './openapi.js';
export type { KeysetPosition } from './pagination.js';
export { decodeCursor, encodeCursor, pageQuery, toPage } from './pagination.js';
export { isProbePath, PROBE_PATHS } from './probes.js';
export type { FieldError, HttpProblemOptions, ProblemBody } from './problem.js';
export { HttpProblem, isHttpProblem, ProblemType } from './problem.js';
export type {
  HttpMethod,
  InputOf,
  RawParams,
  RawQuery,
  ResponseDoc,
  Route,
  RouteDoc,
  RouteInput,
  RouteResult,
  RouteSpec,
} from './route.js';
export { route } from './route.js';
export type { CloseResult, HttpServer } from './server.js';
export { createHttpServer } from './server.js';
export type { GracefulShutdown, GracefulShutdownOptions, ShutdownStep } from './shutdown.js';
export { gracefulShutdown } from './shutdown.js';
export type { MongoWaits, PostgresWaits } from './waits.js';
export {
  httpWaitsEnv,
  isDependencyUnavailable,
  mongoClientOptions,
  mongoWaitsEnv,
  postgresPoolOptions,
  postgresWaitsEnv,
} from './waits.js';
