import type { EventContract } from '@demo/bus';

/** The parts of a catalog route this check reads (`topology` of `@demo/contracts`). */
export interface TopologyRoute {
  readonly event: EventContract;
  readonly producer: string;
  readonly consumers: readonly { readonly service: string }[];
}

/** The parts of a service declaration this check reads. */
export interface DeclaredService {
  readonly name: string;
  readonly produces: readonly EventContract[];
  readonly consumers: readonly { readonly subject: string }[];
}

/**
 * Where the services' declarations and the catalog's topology disagree, one sentence each;
 * empty when they agree. Both directions: a consumer or producer missing from the topology, and
 * one the topology names that no declaration has.
 */
export function topologyDifferences(
  services: readonly DeclaredService[],
  topology: readonly TopologyRoute[],
): string[] {
  const problems: string[] = [];
  const declared = new Set(services.map((s) => s.name));
  const key = (service: string, subject: string) => `${service} ${subject}`;

  const consumedInCatalog = new Set(
    topology.flatMap((r) => r.consumers.map((c) => key(c.service, r.event.subject))),
  );
  const producedInCatalog = new Set(topology.map((r) => key(r.producer, r.event.subject)));

  for (const service of services) {
    for (const { subject } of service.consumers) {
      if (!consumedInCatalog.has(key(service.name, subject))) {
        problems.push(`${service.name} consumes ${subject}, but the topology lists no such consumer`);
      }
    }
    for (const { subject } of service.produces) {
      if (!producedInCatalog.has(key(service.name, subject))) {
        problems.push(`${service.name} produces ${subject}, but the topology names another producer or none`);
      }
    }
  }
  for (const route of topology) {
    const subject = route.event.subject;
    const producer = services.find((s) => s.name === route.producer);
    if (declared.has(route.producer) && !producer?.produces.some((e) => e.subject === subject)) {
      problems.push(`the topology has ${route.producer} produce ${subject}, its declaration does not`);
    }
    for (const { service } of route.consumers) {
      const consumer = services.find((s) => s.name === service);
      if (consumer === undefined) {
        problems.push(`the topology has ${service} consume ${subject}, but no such service is declared`);
      } else if (!consumer.consumers.some((c) => c.subject === subject)) {
        problems.push(`the topology has ${service} consume ${subject}, its declaration does not`);
      }
    }
  }
  return problems;
}
