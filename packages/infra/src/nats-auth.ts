/**
 * NATS least privilege: one `authorization` block for nats-server, used by the tests, `npm run
 * infra -- up`, compose and Kubernetes (deploy/nats/auth.conf is this module's output). Each
 * service gets a user that may publish only its own domain's subjects (and dead letters of what
 * it consumes), call only the JetStream API of its own durable consumers, and receive only on its
 * own inbox prefix; one provisioning identity manages streams. Passwords are never written here:
 * the block names environment variables (`$NATS_USER_SERVICE_PASSWORD`) that nats-server reads.
 * Pure: text in, text out.
 */

/** What one service does on the bus: the stream it writes, the subjects it consumes. */
export interface BusRole {
  service: string;
  /** Its own domain: `users.>` into stream USERS. */
  produces: { stream: string; subjects: string };
  /** Each subscription: the subject and the stream that holds it. */
  consumes: ReadonlyArray<{ stream: string; subject: string }>;
}

/** The system's roles (checked against the event catalog by the services' tests). */
export const BUS_ROLES: readonly BusRole[] = [
  {
    service: 'user-service',
    produces: { stream: 'USERS', subjects: 'users.>' },
    consumes: [
      { stream: 'ORDERS', subject: 'orders.confirmed' },
      { stream: 'ORDERS', subject: 'orders.rejected' },
    ],
  },
  {
    service: 'order-service',
    produces: { stream: 'ORDERS', subjects: 'orders.>' },
    consumes: [
      { stream: 'USERS', subject: 'users.created' },
      { stream: 'USERS', subject: 'users.deleted' },
      { stream: 'INVENTORY', subject: 'inventory.reserved' },
      { stream: 'INVENTORY', subject: 'inventory.rejected' },
    ],
  },
  {
    service: 'inventory-service',
    produces: { stream: 'INVENTORY', subjects: 'inventory.>' },
    consumes: [
      { stream: 'ORDERS', subject: 'orders.created' },
      { stream: 'ORDERS', subject: 'orders.cancelled' },
      { stream: 'INVENTORY', subject: 'inventory.stock-changed' },
    ],
  },
];

/** The identity that creates and updates streams (and reads them, for tools and tests). */
export const PROVISIONER = 'provisioner';

/** Durable consumer names, as the services name them: `order-service--users-created`. */
export const durableOf = (service: string, subject: string) => `${service}--${subject.replaceAll('.', '-')}`;

/** A service's inbox prefix: replies (publish acks, pulled messages) reach only it. */
export const inboxPrefixOf = (service: string) => `_INBOX_${service.replaceAll('-', '_')}`;

/** The environment variable holding an identity's password: `NATS_ORDER_SERVICE_PASSWORD`. */
export const passwordVariable = (user: string) => `NATS_${user.toUpperCase().replaceAll('-', '_')}_PASSWORD`;

export interface Permissions {
  publish: string[];
  subscribe: string[];
}

/** What a service's user may publish and receive. */
export function servicePermissions(role: BusRole): Permissions {
  const publish = [
    role.produces.subjects,
    '$JS.API.INFO',
    // Which stream holds a subject (stream names only, no contents).
    '$JS.API.STREAM.NAMES',
    // Provisioning at start-up only reads stream configurations and state, never messages
    // (the provisioner writes them).
    '$JS.API.STREAM.INFO.*',
  ];
  for (const { stream, subject } of role.consumes) {
    const durable = durableOf(role.service, subject);
    publish.push(
      `dlq.${subject}`,
      `$JS.API.CONSUMER.CREATE.${stream}.${durable}.>`,
      `$JS.API.CONSUMER.CREATE.${stream}.${durable}`,
      `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.${durable}`,
      `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
      `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
      `$JS.ACK.${stream}.${durable}.>`,
    );
  }
  return { publish, subscribe: [`${inboxPrefixOf(role.service)}.>`] };
}

const quote = (value: string) => JSON.stringify(value);
const list = (values: readonly string[], indent: string) =>
  `[\n${values.map((v) => `${indent}  ${quote(v)}`).join(',\n')}\n${indent}]`;

/** The `authorization { … }` block of nats-server's configuration for `roles`. */
export function renderNatsAuthorization(roles: readonly BusRole[] = BUS_ROLES): string {
  const users = [
    `    # Creates and updates streams; tools and tests read through it.\n    { user: ${quote(PROVISIONER)}, password: $${passwordVariable(PROVISIONER)} }`,
    ...roles.map((role) => {
      const { publish, subscribe } = servicePermissions(role);
      return [
        `    # ${role.service}: publishes ${role.produces.subjects}, consumes ${role.consumes.map((c) => c.subject).join(', ')}.`,
        `    {`,
        `      user: ${quote(role.service)}`,
        `      password: $${passwordVariable(role.service)}`,
        `      permissions: {`,
        `        publish: { allow: ${list(publish, '        ')} }`,
        `        subscribe: { allow: ${list(subscribe, '        ')} }`,
        `      }`,
        `    }`,
      ].join('\n');
    }),
  ];
  return [
    '# Generated from @demo/infra (nats-auth.ts): `npm run nats:auth`. Do not edit by hand.',
    '# Passwords come from the environment of nats-server: one variable per identity.',
    'authorization {',
    '  users: [',
    users.join('\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}

/** Every identity's password variable: what whoever starts nats-server must set. */
export function passwordVariables(roles: readonly BusRole[] = BUS_ROLES): string[] {
  return [PROVISIONER, ...roles.map((r) => r.service)].map(passwordVariable);
}
