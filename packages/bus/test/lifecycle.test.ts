import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ServerRecord, startNats, stopProcess } from '@demo/infra';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  defineStream,
  type EventData,
  isBusError,
  StreamConfigConflictError,
} from '../src/index.js';
import { connectBus, eventually, suiteContracts } from './helpers.js';

describe('graceful close', () => {
  it('loses no message and processes none twice when closed with handlers in flight', async () => {
    const c = suiteContracts();
    const first = await connectBus('close-a');
    await first.provision([c.stream]);
    const processed: string[] = [];
    const handler = async (d: EventData<typeof c.OtherThing>) => {
      await new Promise((r) => setTimeout(r, 40));
      processed.push(d.thingId);
    };
    await first.subscribe(c.OtherThing, handler, { durable: 'workers', concurrency: 5 });
    const ids = Array.from({ length: 100 }, () => crypto.randomUUID());
    for (const thingId of ids) await first.publish(c.OtherThing, { thingId });

    await eventually(
      'some processed',
      () => processed.length,
      (n) => n >= 20,
    );
    await first.close(5_000);
    const atClose = processed.length;
    expect(atClose).toBeLessThan(ids.length);

    const second = await connectBus('close-b');
    await second.subscribe(c.OtherThing, handler, { durable: 'workers', concurrency: 5 });
    await eventually(
      'all processed',
      () => processed.length,
      (n) => n >= ids.length,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    await second.close();

    expect(processed).toHaveLength(ids.length);
    expect(new Set(processed)).toEqual(new Set(ids));
    const jsm = await jetstreamManager((await connectBus('close-cleanup')).nc);
    await jsm.streams.delete(c.stream.name);
  });
});

describe('nats-server restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bus-restart-'));
  let server: ServerRecord | undefined;
  afterAll(async () => {
    if (server) await stopProcess(server.pid);
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses none of a stream of messages published across a restart', async () => {
    const port = await freePort();
    server = await startNats({ dir, port });
    const c = suiteContracts();
    const bus: Bus = await Bus_connect(server.url);
    await bus.provision([c.stream]);
    const received = new Map<number, number>();
    await bus.subscribe(c.ThingHappened, (d) => void received.set(d.n, (received.get(d.n) ?? 0) + 1), {
      durable: 'survivor',
      concurrency: 4,
    });

    const total = 1_000;
    let published = 0;
    const publishing = (async () => {
      for (let n = 0; n < total; n++) {
        const id = `restart-${n}`;
        // What a producer (or the outbox relay) does: retry transient failures with the same id.
        for (;;) {
          try {
            await bus.publish(
              c.ThingHappened,
              { thingId: crypto.randomUUID(), n, items: [{ sku: 'S', quantity: 1 }] },
              { id, timeoutMs: 1_000 },
            );
            published += 1;
            break;
          } catch (error) {
            if (!isBusError(error) || !error.retryable) throw error;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
    })();

    await eventually(
      'a tenth received',
      () => received.size,
      (n) => n >= total / 10,
    );
    // The server goes away while the producer is still publishing.
    expect(published).toBeLessThan(total);
    await stopProcess(server.pid);
    await new Promise((r) => setTimeout(r, 500));
    server = await startNats({ dir, port });
    await publishing;
    await eventually(
      'all received',
      () => received.size,
      (n) => n === total,
      30_000,
    );
    await bus.close();

    expect([...received.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
  });
});

async function Bus_connect(url: string): Promise<Bus> {
  return connectBus('restart-test', undefined, url);
}

describe('stream provisioning', () => {
  it('creates, leaves unchanged, updates editable settings, and refuses a storage change by name', async () => {
    const c = suiteContracts();
    const bus = await connectBus('provision-test');
    const [created] = await bus.provision([c.stream]);
    expect(created).toEqual({ stream: c.stream.name, outcome: 'created', changed: [] });
    expect((await bus.provision([c.stream]))[0]?.outcome).toBe('unchanged');

    const longer = defineStream({
      ...c.stream,
      maxAgeMs: c.stream.maxAgeMs * 2,
      subjects: [...c.stream.subjects, `${c.prefix}x.>`],
    });
    const [updated] = await bus.provision([longer]);
    expect(updated?.outcome).toBe('updated');
    expect(updated?.changed.sort()).toEqual(['max_age', 'subjects']);
    const jsm = await jetstreamManager(bus.nc);
    const info = await jsm.streams.info(c.stream.name);
    expect(info.config.subjects).toContain(`${c.prefix}x.>`);

    const memory = defineStream({ ...longer, storage: 'memory' });
    const error = await bus.provision([memory]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamConfigConflictError);
    expect((error as StreamConfigConflictError).stream).toBe(c.stream.name);
    expect((error as StreamConfigConflictError).setting).toBe('storage');
    expect((error as Error).message).toContain(c.stream.name);
    expect((await jsm.streams.info(c.stream.name)).config.storage).toBe('file');

    await jsm.streams.delete(c.stream.name);
    await bus.close();
  });

  it('binds a durable consumer idempotently and updates it when its settings change', async () => {
    const c = suiteContracts();
    const bus = await connectBus('consumer-provision');
    await bus.provision([c.stream]);
    const first = await bus.subscribe(c.OtherThing, () => {}, { durable: 'idem', ackWaitMs: 10_000 });
    await first.stop(1_000);
    await bus.close();
    const other = await connectBus('consumer-provision-2');
    const jsm = await jetstreamManager(other.nc);
    const unchanged = await other.subscribe(c.OtherThing, () => {}, { durable: 'idem', ackWaitMs: 10_000 });
    await unchanged.stop(1_000);
    expect((await jsm.consumers.info(c.stream.name, 'idem')).config.ack_wait).toBe(10_000 * 1_000_000);
    const third = await connectBus('consumer-provision-3');
    await third.subscribe(c.OtherThing, () => {}, { durable: 'idem', ackWaitMs: 20_000 });
    const info = await jsm.consumers.info(c.stream.name, 'idem');
    expect(info.config.ack_wait).toBe(20_000 * 1_000_000);
    expect(info.config.filter_subject).toBe(c.OtherThing.subject);
    expect(third.health().consumers).toEqual([
      { durable: 'idem', subject: c.OtherThing.subject, stream: c.stream.name, running: true, inFlight: 0 },
    ]);
    await third.close();
    await jsm.streams.delete(c.stream.name);
    await other.close();
  });
});
