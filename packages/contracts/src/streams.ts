import { defineStream } from '@demo/bus';

const DAY = 24 * 60 * 60 * 1000;
const GiB = 1024 * 1024 * 1024;

/**
 * Every stream is bounded in age (7 days by default, 30 for dead letters) and in size: past
 * `maxBytes` the oldest messages are discarded (the bus's discard policy is `old`), so a flood of
 * events cannot fill the server's disk.
 */

export const USERS = defineStream({
  name: 'USERS',
  subjects: ['users.>'],
  description: 'Events of the user domain',
  maxBytes: GiB,
});

export const ORDERS = defineStream({
  name: 'ORDERS',
  subjects: ['orders.>'],
  description: 'Events of the order domain',
  maxBytes: GiB,
});

export const INVENTORY = defineStream({
  name: 'INVENTORY',
  subjects: ['inventory.>'],
  description: 'Events of the inventory domain',
  maxBytes: GiB,
});

/** Dead letters (`dlq.<original subject>`) are kept longer than events, so there is time to inspect and replay them. */
export const DLQ = defineStream({
  name: 'DLQ',
  subjects: ['dlq.>'],
  description: 'Dead letters: messages that failed their schema or exhausted their retries',
  maxAgeMs: 30 * DAY,
  maxBytes: GiB / 4,
});
