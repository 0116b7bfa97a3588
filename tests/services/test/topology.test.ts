import { OrderConfirmed, topology, UserCreated } from '@demo/contracts';
import { consume, type DeclaredService, defineService, topologyDifferences } from '@demo/service';
import { inventoryService } from 'inventory-service/service';
import { orderService } from 'order-service/service';
import { userService } from 'user-service/service';
import { describe, expect, it } from 'vitest';

/** The services as they run: each declares what it consumes and produces, once. */
const services: readonly DeclaredService[] = [userService, orderService, inventoryService];

describe("the services' declarations and the catalog's topology (the source of AsyncAPI)", () => {
  it('agree: every consumer and producer is in the topology, and every topology entry is declared', () => {
    expect(topologyDifferences(services, topology)).toEqual([]);
  });

  it('names a consumer a service declares that the topology lacks', () => {
    const extra = defineService({
      name: 'user-service',
      produces: userService.produces,
      consumes: [...userService.consumers.map((c) => c.spec), consume(UserCreated, () => () => undefined)],
    });
    expect(topologyDifferences([extra, orderService, inventoryService], topology)).toEqual([
      'user-service consumes users.created, but the topology lists no such consumer',
    ]);
  });

  it('names a consumer the topology lists that no declaration has', () => {
    const fewer = defineService({
      name: 'user-service',
      produces: userService.produces,
      consumes: userService.consumers.filter((c) => c.subject !== OrderConfirmed.subject).map((c) => c.spec),
    });
    expect(topologyDifferences([fewer, orderService, inventoryService], topology)).toEqual([
      'the topology has user-service consume orders.confirmed, its declaration does not',
    ]);
  });

  it('names a produced event whose producer the topology gives otherwise', () => {
    const thief = defineService({
      name: 'order-service',
      produces: [...orderService.produces, UserCreated],
      consumes: orderService.consumers.map((c) => c.spec),
    });
    expect(topologyDifferences([userService, thief, inventoryService], topology)).toEqual([
      'order-service produces users.created, but the topology names another producer or none',
    ]);
  });
});
