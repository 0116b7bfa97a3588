import type { PendingEvent } from '@demo/bus';

/**
 * The one after-commit callback: a repository calls it with the outbox rows of a transaction
 * once that transaction committed; the composition root hands it the relay's `committed`.
 */
export type Committed = (events: readonly PendingEvent[]) => void;

/** For repositories used without a relay (tests, tools): the sweep publishes later. */
export const noRelay: Committed = () => {};
