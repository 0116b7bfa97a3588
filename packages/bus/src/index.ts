export type { BusHealth, BusOptions } from './bus.js';
export { Bus } from './bus.js';
export type { FailureKind } from './consume/classify.js';
export { classifyFailure, isPermanent, isTransient } from './consume/classify.js';
export type { Decoded, RawMessage } from './consume/decode.js';
export { decode } from './consume/decode.js';
export type { HeaderFields } from './consume/header-fields.js';
export type { AttemptHistory, Decision, Outcome, PoisonReason, SettlePolicy } from './consume/settle.js';
export { DEFAULT_SETTLE_POLICY, settle } from './consume/settle.js';
export type {
  EventContract,
  EventData,
  EventDefinition,
  StreamDefinition,
  StreamInput,
  UpcastStep,
} from './contract.js';
export { dataSchemaUri, defineEvent, defineStream, eventType } from './contract.js';
export type { BusErrorCode, FieldIssue } from './errors.js';
export {
  BusError,
  ConnectionClosedError,
  HandlerDeadlineError,
  InvalidEventDataError,
  isBusError,
  NoStreamError,
  PermanentError,
  PermissionDeniedError,
  PublishTimeoutError,
  StreamConfigConflictError,
} from './errors.js';
export type { UnsampledParents } from './instruments.js';
export type { LastResortOptions } from './last-resort.js';
export { installLastResortHandlers } from './last-resort.js';
export type { BusLogger } from './logger.js';
export { jsonLogger, silentLogger } from './logger.js';
export type { OutboxRelayOptions, OutboxStore, PendingEvent } from './outbox.js';
export { captureTraceContext, OutboxRelay, pendingEvent } from './outbox.js';
export type { PublishAck, PublishOptions } from './publisher.js';
export type { BusReadinessCheck } from './readiness.js';
export { busReadiness } from './readiness.js';
export type { ProvisionOutcome, ProvisionResult } from './streams.js';
export { toStreamConfig } from './streams.js';
export type {
  ConsumerState,
  DeadLetterReason,
  Handler,
  MessageContext,
  SubscribeOptions,
  Subscription,
} from './subscription.js';
export type { VersionFailureReason, VersionPolicy, VersionResolution } from './versioning.js';
export { parseEventType, upcastChain, versionReader } from './versioning.js';
export { CE, DLQ, headerValue, isReservedHeader, MSG_ID } from './wire.js';
