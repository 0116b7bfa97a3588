import {
  defineEvent,
  type EventContract,
  type EventData,
  type Handler,
  type PendingEvent,
  type SubscribeOptions,
} from '@demo/bus';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { consume, crashAfterCommit, DEFAULT_DELIVERY, defineService } from '../src/index.js';

const Placed = defineEvent({ subject: 'things.placed', schema: z.object({ id: z.string() }) });
const Dropped = defineEvent({ subject: 'things.dropped', schema: z.object({ id: z.string() }) });

interface Deps {
  seen: string[];
}

/** A bus that records what was subscribed, and runs the handler it was given once. */
function recordingBus() {
  const subscribed: Array<{ subject: string; options: SubscribeOptions }> = [];
  return {
    subscribed,
    subscribe: async <E extends EventContract>(event: E, handler: Handler<E>, options: SubscribeOptions) => {
      subscribed.push({ subject: event.subject, options });
      await handler({ id: event.subject } as EventData<E>, {} as never);
      return undefined as never;
    },
  };
}

describe('defineService', () => {
  const service = defineService<Deps>({
    name: 'thing-service',
    produces: [Placed],
    delivery: { maxDeliver: 9 },
    consumes: [
      consume(Placed, (deps: Deps) => (data) => void deps.seen.push(`placed ${data.id}`)),
      consume(Dropped, (deps: Deps) => (data) => void deps.seen.push(`dropped ${data.id}`), {
        concurrency: 1,
      }),
    ],
  });

  it('derives one durable per event, and the delivery: defaults, then the service, then the consumer', () => {
    expect(service.consumers.map((c) => [c.subject, c.durable, c.delivery])).toEqual([
      ['things.placed', 'thing-service--things-placed', { ...DEFAULT_DELIVERY, maxDeliver: 9 }],
      [
        'things.dropped',
        'thing-service--things-dropped',
        { ...DEFAULT_DELIVERY, maxDeliver: 9, concurrency: 1 },
      ],
    ]);
    expect(service.durableOf(Dropped)).toBe('thing-service--things-dropped');
    expect(() => service.durableOf(defineEvent({ subject: 'other.thing', schema: z.object({}) }))).toThrow(
      'thing-service does not consume other.thing',
    );
  });

  it('subscribes every consumer under its durable, its handler bound to the dependencies', async () => {
    const bus = recordingBus();
    const deps: Deps = { seen: [] };
    await service.subscribe(bus, deps);
    expect(bus.subscribed.map((s) => [s.subject, s.options.durable, s.options.concurrency])).toEqual([
      ['things.placed', 'thing-service--things-placed', 8],
      ['things.dropped', 'thing-service--things-dropped', 1],
    ]);
    expect(deps.seen.sort()).toEqual(['dropped things.dropped', 'placed things.placed']);
  });

  it('refuses an event consumed or produced twice, and a name that is not lower-case-with-dashes', () => {
    const handler = () => () => undefined;
    expect(() =>
      defineService({
        name: 'a',
        produces: [],
        consumes: [consume(Placed, handler), consume(Placed, handler)],
      }),
    ).toThrow('a consumes things.placed twice');
    expect(() => defineService({ name: 'a', produces: [Placed, Placed], consumes: [] })).toThrow(
      'a produces things.placed.v1 twice',
    );
    expect(() => defineService({ name: 'A Service', produces: [], consumes: [] })).toThrow(/lower-case/);
  });
});

describe('crashAfterCommit (the fault switch)', () => {
  const event = (subject: string): PendingEvent => ({ id: subject, subject, data: {}, traceContext: {} });
  const quiet = { warn: () => undefined } as never;

  it('without a subject is the callback itself', () => {
    const committed = () => undefined;
    expect(crashAfterCommit(undefined, committed, quiet)).toBe(committed);
  });

  it('kills instead of telling the relay when a commit holds an event of the subject', () => {
    const told: string[][] = [];
    let kills = 0;
    const wrapped = crashAfterCommit(
      'things.placed',
      (events) => told.push(events.map((e) => e.id)),
      quiet,
      () => {
        kills += 1;
      },
    );
    wrapped([event('things.dropped')]);
    expect([told, kills]).toEqual([[['things.dropped']], 0]);
    wrapped([event('things.dropped'), event('things.placed')]);
    expect([told, kills]).toEqual([[['things.dropped']], 1]);
  });
});
