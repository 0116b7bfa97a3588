import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopProcess } from '@demo/infra';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The fault harness's PostgreSQL launcher: a server of this suite's own, to stop and start.
import { POSTGRES_PASSWORD, startPostgres } from '../../infra/src/local/postgres.js';
import { type Bus, PermanentError } from '../src/index.js';
import {
  captureLogger,
  connectBus,
  eventually,
  installTelemetry,
  readStream,
  suiteContracts,
} from './helpers.js';

const otel = installTelemetry();

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('failure classification', () => {
  const c = suiteContracts();
  const logger = captureLogger();
  let bus: Bus;

  beforeAll(async () => {
    bus = await connectBus('failures-test', logger);
    await bus.provision([c.stream, c.dlq]);
  });
  afterAll(async () => {
    await bus.close(1_000);
    const jsm = await jetstreamManager((await connectBus('cleanup')).nc);
    await jsm.streams.delete(c.stream.name);
    await jsm.streams.delete(c.dlq.name);
  });

  it('an always-failing handler: exactly maxDeliver attempts, one dead letter with the stream sequence, then the next message', async () => {
    const attempts = new Map<string, number>();
    const sub = await bus.subscribe(
      c.OtherThing,
      (data) => {
        attempts.set(data.thingId, (attempts.get(data.thingId) ?? 0) + 1);
        if (data.thingId.startsWith('0')) throw new TypeError('a bug in the handler');
      },
      { durable: 'always-fails', maxDeliver: 4, backoffMs: [100, 200] },
    );
    const bad = `0${crypto.randomUUID().slice(1)}`;
    const good = `1${crypto.randomUUID().slice(1)}`;
    const badAck = await bus.publish(c.OtherThing, { thingId: bad });
    await bus.publish(c.OtherThing, { thingId: good });
    const [dead] = await readStream(bus, c.dlq.name, 1, 15_000);
    await pause(1_500);
    await sub.stop(1_000);

    expect(attempts.get(bad)).toBe(4);
    expect(attempts.get(good)).toBe(1);
    expect(dead?.headers?.get('dlq-reason')).toBe('handler_failed');
    expect(dead?.headers?.get('dlq-delivery-count')).toBe('4');
    expect(dead?.headers?.get('dlq-stream-sequence')).toBe(String(badAck.seq));
    expect(dead?.headers?.get('dlq-error')).toBe('a bug in the handler');
    expect(await readStream(bus, c.dlq.name, 2, 2_000)).toHaveLength(1);
  });

  it('a PermanentError is dead-lettered on the first delivery', async () => {
    const own = suiteContracts();
    await bus.provision([own.stream, own.dlq]);
    let calls = 0;
    const sub = await bus.subscribe(
      own.OtherThing,
      () => {
        calls += 1;
        throw new PermanentError('customer closed the account', { cause: new Error('ECONNREFUSED') });
      },
      { durable: 'permanent', maxDeliver: 5 },
    );
    await bus.publish(own.OtherThing, { thingId: crypto.randomUUID() });
    const [dead] = await readStream(bus, own.dlq.name, 1, 10_000);
    await sub.stop(1_000);
    expect(calls).toBe(1);
    expect(dead?.headers?.get('dlq-reason')).toBe('permanent');
    expect(dead?.headers?.get('dlq-delivery-count')).toBe('1');
    const jsm = await jetstreamManager(bus.nc);
    await jsm.streams.delete(own.stream.name);
    await jsm.streams.delete(own.dlq.name);
  });

  it('a handler past its ackDeadline fails the attempt and its signal aborts', async () => {
    const own = suiteContracts();
    await bus.provision([own.stream, own.dlq]);
    const aborted: boolean[] = [];
    const sub = await bus.subscribe(
      own.OtherThing,
      async (_data, ctx) => {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 3_000);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            aborted.push(true);
            resolve();
          });
        });
      },
      { durable: 'deadline', maxDeliver: 2, backoffMs: [100], ackDeadlineMs: 300 },
    );
    await bus.publish(own.OtherThing, { thingId: crypto.randomUUID() });
    const [dead] = await readStream(bus, own.dlq.name, 1, 10_000);
    await sub.stop(1_000);
    expect(aborted).toEqual([true, true]);
    expect(dead?.headers?.get('dlq-reason')).toBe('handler_failed');
    expect(dead?.headers?.get('dlq-error')).toMatch(/ran past its 300 ms deadline/);
    const jsm = await jetstreamManager(bus.nc);
    await jsm.streams.delete(own.stream.name);
    await jsm.streams.delete(own.dlq.name);
  });

  it('a dead letter that cannot be stored ends, after its bound, in term with an error log and a metric', async () => {
    const own = suiteContracts();
    await bus.provision([own.stream]); // no dead-letter stream: every dead-letter publish fails
    let calls = 0;
    const sub = await bus.subscribe(
      own.ThingHappened,
      () => {
        calls += 1;
      },
      { durable: 'no-dlq', maxDeadLetterAttempts: 2 },
    );
    await jetstream(bus.nc).publish(own.ThingHappened.subject, 'not json');
    await eventually(
      'terminated without a dead letter',
      () =>
        logger.records.some(
          (r) => r.msg?.startsWith('dead letter could not be stored') && r.consumer === 'no-dlq',
        ),
      Boolean,
      15_000,
    );
    const consumer = await jetstream(bus.nc).consumers.get(own.stream.name, 'no-dlq');
    await eventually(
      'nothing left to deliver',
      async () => (await consumer.info()).num_ack_pending,
      (n) => n === 0,
    );
    await pause(2_500);
    await sub.stop(1_000);
    expect(calls).toBe(0);
    const failures = logger.records.filter(
      (r) => r.msg === 'dead-letter publish failed' && r.consumer === 'no-dlq',
    );
    expect(failures).toHaveLength(2);
    const metric = (await otel.collect()).scopeMetrics
      .flatMap((m) => m.metrics)
      .find((m) => m.descriptor.name === 'demo.bus.dead_letter.failures');
    const point = metric?.dataPoints.find((p) => p.attributes['messaging.consumer.group.name'] === 'no-dlq');
    expect(point?.value).toBe(1);
    expect(point?.attributes['dlq.reason']).toBe('unparseable');
    await (await jetstreamManager(bus.nc)).streams.delete(own.stream.name);
  });
});

describe('a database outage (PostgreSQL really stopped)', () => {
  const c = suiteContracts();
  const logger = captureLogger();
  let bus: Bus;
  let dir: string;
  let port: number;
  let server: { pid: number };
  let pool: pg.Pool;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bus-pg-outage-'));
    port = await freePort();
    server = await startPostgres({ dir, port });
    pool = new pg.Pool({
      connectionString: `postgres://postgres:${POSTGRES_PASSWORD}@127.0.0.1:${port}/postgres`,
      max: 2,
      connectionTimeoutMillis: 1_000,
    });
    pool.on('error', () => {}); // idle clients dropped by the stop; the next query reports it
    await pool.query('create table effects (id text primary key)');
    bus = await connectBus('outage-test', logger);
    await bus.provision([c.stream, c.dlq]);
  }, 120_000);
  afterAll(async () => {
    await bus?.close(1_000);
    await pool?.end();
    const jsm = await jetstreamManager((await connectBus('cleanup')).nc);
    await jsm.streams.delete(c.stream.name);
    await jsm.streams.delete(c.dlq.name);
    await stopProcess(server.pid);
    rmSync(dir, { recursive: true, force: true });
  });

  it("retries the driver's connection-refused errors past maxDeliver and dead-letters nothing", async () => {
    const errors: string[] = [];
    const sub = await bus.subscribe(
      c.OtherThing,
      async (data) => {
        try {
          await pool.query('insert into effects (id) values ($1) on conflict do nothing', [data.thingId]);
        } catch (error) {
          errors.push(String((error as { code?: string }).code ?? (error as Error).message));
          throw error;
        }
      },
      { durable: 'outage', maxDeliver: 2, backoffMs: [100], transientBackoffMs: { baseMs: 100, maxMs: 400 } },
    );
    await stopProcess(server.pid);
    const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    for (const thingId of ids) await bus.publish(c.OtherThing, { thingId });
    await eventually(
      'failures while PostgreSQL is down',
      () => errors.length,
      (n) => n >= 3 * 4,
      20_000,
    );
    server = await startPostgres({ dir, port });
    await eventually(
      'every effect written after PostgreSQL returned',
      async () => (await pool.query('select count(*)::int as n from effects')).rows[0].n as number,
      (n) => n === ids.length,
      30_000,
    );
    await sub.stop(1_000);
    expect(errors.filter((e) => e === 'ECONNREFUSED').length).toBeGreaterThanOrEqual(3 * 4);
    expect(await readStream(bus, c.dlq.name, 1, 2_000)).toEqual([]);
    expect(logger.records.some((r) => r.msg === 'transient failure; will retry')).toBe(true);
  }, 90_000);
});
