import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import type {
  DeadLetter,
  Line,
  OrderStatus,
  Reservation,
  Stock,
  StoredOrder,
  UserCounts,
} from './accounting.js';

/** Every order order-service stored, read from its MongoDB database. */
export async function readOrders(mongoUrl: string, database: string): Promise<StoredOrder[]> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.connect();
    const docs = await client
      .db(database)
      .collection<{
        _id: string;
        userId: string;
        items: Line[];
        status: OrderStatus;
        reason?: string;
        createdAt: Date;
        updatedAt: Date;
      }>('orders')
      .find({}, { projection: { outbox: 0 } })
      .toArray();
    return docs.map((d) => ({
      id: d._id,
      userId: d.userId,
      items: d.items.map(({ sku, quantity }) => ({ sku, quantity })),
      status: d.status,
      reason: d.reason,
      createdAt: new Date(d.createdAt),
      updatedAt: new Date(d.updatedAt),
    }));
  } finally {
    await client.close();
  }
}

/**
 * Order states counted while a run settles: one client for the whole wait, a count a poll
 * (FerretDB scans the collection for each, and it is the stack's busiest server).
 */
export class OrderProgress {
  private constructor(
    private readonly client: MongoClient,
    private readonly database: string,
  ) {}

  static async open(mongoUrl: string, database: string): Promise<OrderProgress> {
    const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 });
    await client.connect();
    return new OrderProgress(client, database);
  }

  private count(filter: Record<string, unknown>): Promise<number> {
    return this.client.db(this.database).collection('orders').countDocuments(filter);
  }

  /** Orders not yet terminal. */
  pending(): Promise<number> {
    return this.count({ status: 'PENDING' });
  }

  /** Orders confirmed or rejected: the ones user-service counts. */
  decided(): Promise<number> {
    return this.count({ status: { $in: ['CONFIRMED', 'REJECTED'] } });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

async function query<R extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Reservations and stock in one snapshot (REPEATABLE READ): the two agree with each other. */
export async function readInventory(
  url: string,
  initial: ReadonlyMap<string, number>,
): Promise<{ reservations: Reservation[]; stock: Stock[] }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query('begin transaction isolation level repeatable read read only');
    const reservations = await client.query<{
      order_id: string;
      status: Reservation['status'];
      items: Line[];
    }>('select order_id, status, items from reservations');
    const items = await client.query<{ sku: string; available: number; reserved: number }>(
      'select sku, available, reserved from inventory_items where sku = any($1)',
      [[...initial.keys()]],
    );
    await client.query('commit');
    return {
      reservations: reservations.rows.map((r) => ({
        orderId: r.order_id,
        status: r.status,
        items: r.items.map(({ sku, quantity }) => ({ sku, quantity })),
      })),
      stock: items.rows.map((i) => ({
        sku: i.sku,
        initial: initial.get(i.sku) ?? 0,
        available: i.available,
        reserved: i.reserved,
      })),
    };
  } finally {
    await client.end();
  }
}

export async function readUsers(url: string, ids: readonly string[]): Promise<UserCounts[]> {
  const rows = await query<{ id: string; order_count: number; rejected_order_count: number }>(
    url,
    'select id, order_count, rejected_order_count from users where id = any($1)',
    [[...ids]],
  );
  return rows.map((r) => ({
    id: r.id,
    orderCount: r.order_count,
    rejectedOrderCount: r.rejected_order_count,
  }));
}

/** Every message of the DLQ stream, with the reason and consumer the bus stamped on it. */
export async function readDeadLetters(natsUrl: string): Promise<DeadLetter[]> {
  const nc = await connect({ servers: natsUrl.split(','), timeout: 5_000 });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('DLQ').catch(() => undefined);
    if (!info || info.state.messages === 0) return [];
    const consumer = await jetstream(nc).consumers.get('DLQ');
    const letters: DeadLetter[] = [];
    while (letters.length < info.state.messages) {
      const msg = await consumer.next({ expires: 2_000 });
      if (!msg) break;
      letters.push({
        subject: msg.subject,
        reason: msg.headers?.get('dlq-reason') ?? '',
        consumer: msg.headers?.get('dlq-consumer') ?? '',
      });
    }
    return letters;
  } finally {
    await nc.close();
  }
}
