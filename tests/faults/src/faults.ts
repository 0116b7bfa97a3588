import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import type { DeadLetter } from './accounting.js';
import type { ServiceName, Services } from './services.js';
import type { FaultStack } from './stack.js';

export interface FaultContext {
  stack: FaultStack;
  services: Services;
  /** Sleeps, unless the run is aborted. */
  sleep(ms: number): Promise<void>;
  /** Milliseconds since the load started. */
  elapsed(): number;
  /** A line for the run's log: what was done and when. */
  note(text: string): void;
}

export interface Fault {
  name: string;
  /** What is done, for the table's legend. */
  description: string;
  /** Needs the 3-node cluster (R3 streams) instead of one server. */
  cluster: boolean;
  /** The cluster's nodes in network namespaces (for a partition). */
  netns?: boolean;
  /** How long orders are placed; the fault runs inside this window. */
  loadMs: number;
  /** Environment switches the services start with (crash switches). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  explainedDeadLetters?: (letter: DeadLetter) => boolean;
  inject(ctx: FaultContext): Promise<void>;
}

const OUTAGE_MS = 60_000;

/**
 * kill -9 of `service` the moment the harness sees its `subject` published (a core
 * subscription of its own): the relay has the ack, or is about to, and has not yet marked the
 * events in flight as published. After the restart they are published again, and JetStream's
 * duplicate window (the event id as Nats-Msg-Id) must drop them.
 */
const killOnPublish = (service: ServiceName, subject: string, atMs: number) => async (ctx: FaultContext) => {
  await ctx.sleep(atMs);
  const nc = await connect({ servers: ctx.stack.natsDirectUrl.split(',') });
  try {
    const sub = nc.subscribe(subject, { max: 1 });
    for await (const _ of sub) break;
    await ctx.services.kill(service);
    ctx.note(`kill -9 ${service} as ${subject} reached the stream`);
  } finally {
    await nc.close();
  }
  await ctx.sleep(2_000);
  await ctx.services.start(service);
  ctx.note(`${service} restarted`);
};

/**
 * kill -9 of user-service the moment a new processed-message record appears (polled every few
 * ms): its effect is committed, the ack of that message (and of those in flight) not yet sent.
 * The redeliveries after the restart must find their records and change nothing.
 */
const killAfterEffect = (atMs: number) => async (ctx: FaultContext) => {
  await ctx.sleep(atMs);
  const url = ctx.stack.databaseUrl('users');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const count = async () =>
      Number(
        (await client.query<{ n: string }>('select count(*) as n from processed_messages')).rows[0]?.n ?? 0,
      );
    const before = await count();
    const deadline = Date.now() + 30_000;
    while ((await count()) === before) {
      if (Date.now() > deadline) throw new Error('user-service recorded no processed message within 30 s');
      await new Promise((r) => setTimeout(r, 2));
    }
    await ctx.services.kill('user-service');
    ctx.note('kill -9 user-service right after it committed an effect');
  } finally {
    await client.end();
  }
  await ctx.sleep(2_000);
  await ctx.services.start('user-service');
  ctx.note('user-service restarted');
};

const killService =
  (name: ServiceName, atMs: number, downMs = 2_000) =>
  async (ctx: FaultContext) => {
    await ctx.sleep(atMs);
    await ctx.services.kill(name);
    ctx.note(`kill -9 ${name}`);
    await ctx.sleep(downMs);
    await ctx.services.start(name);
    ctx.note(`${name} restarted`);
  };

const killClusterNode =
  (which: 'leader' | 'follower', stream: string, atMs: number, downMs = 10_000) =>
  async (ctx: FaultContext) => {
    const cluster = ctx.stack.cluster;
    if (!cluster) throw new Error('this fault needs the cluster');
    await ctx.sleep(atMs);
    const leader = await cluster.streamLeader(stream);
    const node = which === 'leader' ? leader : (await cluster.streamFollowers(stream))[0];
    if (!node) throw new Error(`stream ${stream} has no follower`);
    await cluster.kill(node);
    ctx.note(`kill -9 of ${node}, the ${which} of ${stream}`);
    await ctx.sleep(downMs);
    await cluster.restart(node);
    ctx.note(`${node} restarted on its store; ${stream} is led by ${await cluster.streamLeader(stream)}`);
  };

const outage =
  (
    what: string,
    stop: (s: FaultStack) => Promise<void>,
    start: (s: FaultStack) => Promise<void>,
    atMs: number,
  ) =>
  async (ctx: FaultContext) => {
    await ctx.sleep(atMs);
    await stop(ctx.stack);
    ctx.note(`${what} stopped`);
    await ctx.sleep(OUTAGE_MS);
    await start(ctx.stack);
    ctx.note(`${what} back`);
  };

const crashSwitch = (service: ServiceName, subject: string) => async (ctx: FaultContext) => {
  const crashed = await ctx.services.exited(service, 60_000);
  if (!crashed) throw new Error(`${service} did not crash after committing ${subject}`);
  ctx.note(`${service} killed itself after committing ${subject}`);
  await ctx.sleep(2_000);
  await ctx.services.start(service);
  ctx.note(`${service} restarted without the switch`);
};

/** Every fault the harness knows, in the order `npm run test:faults` runs them. */
export const FAULTS: readonly Fault[] = [
  {
    name: 'baseline',
    description: 'no fault: what the stack sustains at this rate, the yardstick for the rows below',
    cluster: false,
    loadMs: 40_000,
    inject: async () => {},
  },
  {
    name: 'baseline-cluster',
    description: 'no fault, on the 3-node cluster with R3 streams',
    cluster: true,
    loadMs: 40_000,
    inject: async () => {},
  },
  {
    name: 'nats-kill',
    description: 'kill -9 of nats-server, restart on the same store 5 s later',
    cluster: false,
    loadMs: 40_000,
    inject: async (ctx) => {
      await ctx.sleep(15_000);
      await ctx.stack.killNats();
      ctx.note('kill -9 nats-server');
      await ctx.sleep(5_000);
      await ctx.stack.restartNats();
      ctx.note('nats-server restarted');
    },
  },
  {
    name: 'leader-kill',
    description: 'cluster: kill -9 of the ORDERS stream leader, restart 10 s later',
    cluster: true,
    loadMs: 40_000,
    inject: killClusterNode('leader', 'ORDERS', 15_000),
  },
  {
    name: 'follower-kill',
    description: 'cluster: kill -9 of an ORDERS stream follower, restart 10 s later',
    cluster: true,
    loadMs: 40_000,
    inject: killClusterNode('follower', 'ORDERS', 15_000),
  },
  {
    name: 'partition-leader',
    description: 'cluster in network namespaces: the ORDERS leader cut off (link down, no resets) for 30 s',
    cluster: true,
    netns: true,
    loadMs: 60_000,
    inject: async (ctx) => {
      const { cluster, network } = ctx.stack;
      if (!cluster || !network) throw new Error('this fault needs the cluster in network namespaces');
      await ctx.sleep(15_000);
      const leader = await cluster.streamLeader('ORDERS');
      const index = cluster.nodes.findIndex((n) => n.name === leader);
      await network.partition(index);
      ctx.note(`${leader}, the leader of ORDERS, partitioned`);
      await ctx.sleep(30_000);
      await network.heal(index);
      ctx.note(`${leader} healed; ORDERS is led by ${await cluster.streamLeader('ORDERS')}`);
    },
  },
  ...(['user-service', 'order-service', 'inventory-service'] as const).map(
    (name): Fault => ({
      name: `kill-${name}`,
      description: `kill -9 of ${name}, restart 2 s later`,
      cluster: false,
      loadMs: 40_000,
      inject: killService(name, 15_000),
    }),
  ),
  {
    name: 'crash-after-commit',
    description: 'inventory-service kills itself between committing inventory.reserved and publishing it',
    cluster: false,
    loadMs: 40_000,
    serviceEnv: { 'inventory-service': { FAULT_CRASH_AFTER_COMMIT: 'inventory.reserved' } },
    inject: crashSwitch('inventory-service', 'inventory.reserved'),
  },
  {
    name: 'order-crash-after-commit',
    description: 'order-service kills itself between storing an order (orders.created) and publishing it',
    cluster: false,
    loadMs: 40_000,
    serviceEnv: { 'order-service': { FAULT_CRASH_AFTER_COMMIT: 'orders.created' } },
    inject: crashSwitch('order-service', 'orders.created'),
  },
  {
    name: 'kill-after-publish',
    description:
      'kill -9 of order-service as its orders.created reaches the stream, before it marks the event published',
    cluster: false,
    loadMs: 40_000,
    inject: killOnPublish('order-service', 'orders.created', 15_000),
  },
  {
    name: 'kill-after-effect',
    description: 'kill -9 of user-service right after it committed an effect, before the ack',
    cluster: false,
    loadMs: 40_000,
    inject: killAfterEffect(15_000),
  },
  {
    name: 'postgres-stop-60s',
    description: 'PostgreSQL stopped (fast shutdown) for 60 s',
    cluster: false,
    loadMs: 80_000,
    inject: outage(
      'PostgreSQL',
      (s) => s.stopPostgres(),
      (s) => s.startPostgres(),
      10_000,
    ),
  },
  {
    name: 'mongodb-stop-60s',
    description: 'FerretDB (MongoDB) stopped for 60 s',
    cluster: false,
    loadMs: 80_000,
    inject: outage(
      'FerretDB',
      (s) => s.stopMongo(),
      (s) => s.startMongo(),
      10_000,
    ),
  },
  {
    name: 'nats-unreachable-60s',
    description: 'NATS unreachable for 60 s (connections reset and refused; the server keeps running)',
    cluster: false,
    loadMs: 80_000,
    inject: outage(
      'NATS reachability',
      (s) => s.cutNats(),
      (s) => s.restoreNats(),
      10_000,
    ),
  },
];

/** In SHORT: PostgreSQL stops 40 s into the load. */
const SHORT_POSTGRES_STOP_AT_MS = 40_000;

/** In SHORT: while MongoDB is stopped, order-service refuses orders (503). */
export const SHORT_MONGO_OUTAGE_MS = { from: 55_000, to: 55_000 + OUTAGE_MS };

/**
 * The short form in `npm test`: on the 3-node cluster, kill -9 of the ORDERS leader, then of
 * inventory-service, then PostgreSQL stopped 60 s and, overlapping it, MongoDB stopped 60 s,
 * under one load.
 */
export const SHORT: Fault = {
  name: 'short',
  description:
    'cluster: ORDERS leader kill at 10 s, inventory-service kill at 25 s, PostgreSQL stopped 60 s from 40 s, ' +
    'FerretDB (MongoDB) stopped 60 s from 55 s (the two outages overlap by 45 s)',
  cluster: true,
  loadMs: 130_000,
  inject: async (ctx) => {
    await killClusterNode('leader', 'ORDERS', 10_000)(ctx);
    await killService('inventory-service', 5_000)(ctx);
    await ctx.sleep(Math.max(0, SHORT_POSTGRES_STOP_AT_MS - ctx.elapsed()));
    const postgres = outage(
      'PostgreSQL',
      (s) => s.stopPostgres(),
      (s) => s.startPostgres(),
      0,
    )(ctx);
    const mongo = outage(
      'FerretDB',
      (s) => s.stopMongo(),
      (s) => s.startMongo(),
      SHORT_MONGO_OUTAGE_MS.from - SHORT_POSTGRES_STOP_AT_MS,
    )(ctx);
    await Promise.all([postgres, mongo]);
  },
};
