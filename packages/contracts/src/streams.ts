import { defineStream } from '@demo/bus';

const DAY = 24 * 60 * 60 * 1000;

export const USERS = defineStream({
  name: 'USERS',
  subjects: ['users.>'],
  description: 'Events of the user domain',
});

export const ORDERS = defineStream({
  name: 'ORDERS',
  subjects: ['orders.>'],
  description: 'Events of the order domain',
});

export const INVENTORY = defineStream({
  name: 'INVENTORY',
  subjects: ['inventory.>'],
  description: 'Events of the inventory domain',
});

/** Dead letters (`dlq.<original subject>`) are kept longer than events, so there is time to inspect and replay them. */
export const DLQ = defineStream({
  name: 'DLQ',
  subjects: ['dlq.>'],
  description: 'Dead letters: messages that failed their schema or exhausted their retries',
  maxAgeMs: 30 * DAY,
});
