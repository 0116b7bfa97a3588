export type { ServiceDatabase } from './databases.js';
export {
  closeSharedDatabases,
  DatabaseProvisionError,
  dropServiceDatabase,
  LOCAL_SERVICE_DATABASES,
  provisionServiceDatabases,
  serviceDatabaseStatements,
} from './databases.js';
export { localNatsCredentials, natsEnvOf, runProvisioningStep } from './dev.js';
export type { ServiceMongoUser } from './ferretdb-users.js';
export {
  ferretDbUserStatements,
  LOCAL_MONGODB_USERS_MARK,
  LOCAL_SERVICE_MONGODB_USERS,
  mongoServiceEnv,
  provisionFerretDbUsers,
  shareFerretDbCatalogsStatements,
} from './ferretdb-users.js';
export type { Component } from './install.js';
export { ensureInstalled, install, missingComponents } from './install.js';
export type { CollectorBackends, CollectorOptions } from './local/collector.js';
export { startCollector } from './local/collector.js';
export type { FerretDbBackend, FerretDbOptions } from './local/ferretdb.js';
export {
  FERRETDB_BACKENDS,
  ferretDbAdminUrl,
  ferretDbBackend,
  startFerretDb,
  stopFerretDb,
} from './local/ferretdb.js';
export type { NatsLaunchOptions } from './local/nats.js';
export { startNats } from './local/nats.js';
export type { NatsCluster, NatsClusterOptions, NatsNode } from './local/nats-cluster.js';
export { startNatsCluster } from './local/nats-cluster.js';
export type { NatsNodeConfig, SyncInterval } from './local/nats-config.js';
export { parseSyncInterval, renderNatsConfig } from './local/nats-config.js';
export type { NatsCredentials } from './local/nats-credentials.js';
export { ensureCredentials, readCredentials } from './local/nats-credentials.js';
export type { NetnsNetwork } from './local/netns.js';
export { createNetnsNetwork } from './local/netns.js';
export { POSTGRES_PASSWORD, postgresBinaries, startPostgres } from './local/postgres.js';
export type { LaunchOptions, ServerRecord } from './local/types.js';
export type { BusRole, Permissions } from './nats-auth.js';
export {
  BUS_ROLES,
  durableOf,
  inboxPrefixOf,
  PROVISIONER,
  passwordVariable,
  passwordVariables,
  renderNatsAuthorization,
  servicePermissions,
} from './nats-auth.js';
export type { OtlpSink } from './otlp-sink.js';
export { startOtlpSink } from './otlp-sink.js';
export type {
  Attributes,
  AttributeValue,
  ReceivedDataPoint,
  ReceivedLog,
  ReceivedMetric,
  ReceivedSpan,
} from './otlp-sink-client.js';
export { OtlpSinkClient, SPAN_KIND } from './otlp-sink-client.js';
export { binaries, cacheDir, readVersions, repoRoot, stateDir } from './paths.js';
export { freePort } from './ports.js';
export { probeHttp, probeMongo, probeNats, probePostgres } from './probes.js';
export { isAlive, spawnDaemon, stopProcess, waitUntil } from './process.js';
export type { ResolvedServers } from './resolve.js';
export { HOW_TO_GET_SERVERS, resolveServers, SERVER_VARIABLES } from './resolve.js';
export type { SchemathesisOptions, SchemathesisResult } from './schemathesis.js';
export { runSchemathesis, schemathesisConfig } from './schemathesis.js';
export type { ServiceProcess, StartServiceOptions, TestNats } from './service-process.js';
export { startService, startTestNats } from './service-process.js';
export type { Stack, StackOptions, StackPorts } from './stack.js';
export {
  AUTH_CONF,
  DEFAULT_PORTS,
  natsAuthorization,
  readStack,
  stackEnv,
  startStack,
  stopStack,
} from './stack.js';
export type { TestDatabase, TestServers } from './testing.js';
export {
  asServiceMongoUser,
  createTestDatabase,
  eventually,
  otlpSink,
  serviceMongoEnv,
  testServers,
  uniqueName,
} from './testing.js';
export type { ConnectionUrlParts } from './urls.js';
export { connectionUrl, userInfo, withCredentials, withDatabase, withoutCredentials } from './urls.js';
