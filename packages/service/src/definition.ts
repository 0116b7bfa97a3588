import type { Bus, EventContract, Handler, SubscribeOptions } from '@demo/bus';

/** How one consumer is delivered to: everything of `SubscribeOptions` but the durable name. */
export type Delivery = Omit<SubscribeOptions, 'durable'>;

/** The delivery every consumer gets unless its service or itself says otherwise. */
export const DEFAULT_DELIVERY: Readonly<Delivery> = Object.freeze({
  concurrency: 8,
  maxDeliver: 5,
  backoffMs: [500, 2_000, 5_000],
});

/** One event a service consumes: the contract, its handler (made from the service's dependencies), its delivery. */
export interface ConsumerSpec<Deps> {
  readonly event: EventContract;
  readonly delivery: Delivery;
  /** Binds the handler to the service's dependencies and subscribes it under `durable`. */
  readonly bind: (
    bus: Pick<Bus, 'subscribe'>,
    deps: Deps,
    durable: string,
    delivery: Delivery,
  ) => Promise<void>;
}

/**
 * `consume(OrderCreated, (deps) => onOrderCreated(deps.reservations), { concurrency: 1 })`:
 * one entry of a service's `consumes`. The handler is typed by the event's contract.
 */
export function consume<E extends EventContract, Deps>(
  event: E,
  handler: (deps: Deps) => Handler<E>,
  delivery: Delivery = {},
): ConsumerSpec<Deps> {
  return {
    event,
    delivery,
    bind: async (bus, deps, durable, options) => {
      await bus.subscribe(event, handler(deps), { ...options, durable });
    },
  };
}

export interface ServiceSpec<Deps> {
  /** `user-service`: the connection name, the logger's `service` field, the prefix of every durable. */
  name: string;
  /** What the service writes to its outbox; the relay publishes exactly these. */
  produces: readonly EventContract[];
  /** What the service consumes: one entry per event (see `consume`). */
  consumes: readonly ConsumerSpec<Deps>[];
  /** The service's delivery defaults, over `DEFAULT_DELIVERY`; each consumer may override. */
  delivery?: Delivery;
}

/** One consumer as the service runs it. */
export interface ConsumerDefinition<Deps> {
  readonly event: EventContract;
  readonly subject: string;
  /** `<service>--<subject with dots as dashes>`: one durable consumer per service and event. */
  readonly durable: string;
  readonly delivery: Delivery;
  readonly spec: ConsumerSpec<Deps>;
}

/** A service, declared once: from it come the durables, the relay's contracts, readiness and shutdown. */
export interface ServiceDefinition<Deps> {
  readonly name: string;
  readonly produces: readonly EventContract[];
  readonly consumers: readonly ConsumerDefinition<Deps>[];
  /** The durable consumer of `event` in this service (throws if it does not consume it). */
  durableOf(event: EventContract): string;
  /** Starts every consumer, handlers bound to `deps`. */
  subscribe(bus: Pick<Bus, 'subscribe'>, deps: Deps): Promise<void>;
}

/** `<service>--<subject with dots as dashes>`. */
export function durableName(service: string, event: EventContract): string {
  return `${service}--${event.subject.replaceAll('.', '-')}`;
}

const SERVICE_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Declares a service. Refuses (at start-up, like Watermill's duplicate handler names) a name
 * that is not a lower-case word, an event consumed or produced twice.
 */
export function defineService<Deps>(spec: ServiceSpec<Deps>): ServiceDefinition<Deps> {
  if (!SERVICE_NAME.test(spec.name))
    throw new TypeError(`service name "${spec.name}" is not lower-case-with-dashes`);
  const duplicate = (subjects: readonly string[]) => subjects.find((s, i) => subjects.indexOf(s) !== i);
  const consumedTwice = duplicate(spec.consumes.map((c) => c.event.subject));
  if (consumedTwice) throw new TypeError(`${spec.name} consumes ${consumedTwice} twice`);
  // By type: a producer may list two versions of one subject (outbox rows written before it moved on).
  const producedTwice = duplicate(spec.produces.map((e) => e.type));
  if (producedTwice) throw new TypeError(`${spec.name} produces ${producedTwice} twice`);

  const base = { ...DEFAULT_DELIVERY, ...spec.delivery };
  const consumers: ConsumerDefinition<Deps>[] = spec.consumes.map((c) => ({
    event: c.event,
    subject: c.event.subject,
    durable: durableName(spec.name, c.event),
    delivery: { ...base, ...c.delivery },
    spec: c,
  }));
  return Object.freeze({
    name: spec.name,
    produces: Object.freeze([...spec.produces]),
    consumers: Object.freeze(consumers),
    durableOf(event: EventContract): string {
      const found = consumers.find((c) => c.subject === event.subject);
      if (!found) throw new Error(`${spec.name} does not consume ${event.subject}`);
      return found.durable;
    },
    async subscribe(bus: Pick<Bus, 'subscribe'>, deps: Deps): Promise<void> {
      await Promise.all(consumers.map((c) => c.spec.bind(bus, deps, c.durable, c.delivery)));
    },
  });
}
