import { OrderConfirmed, OrderRejected, UserCreated, UserDeleted } from '@demo/contracts';
import type { Faults } from '@demo/fault-switches';
import { consume, defineService } from '@demo/service';
import type { UserRepository } from './db/users-repository.js';
import { countOrderOutcome } from './events/order-outcomes.js';

/** What the handlers of this service need. */
export interface UserServiceDeps {
  users: UserRepository;
  /** The demo's fault switches (a stalled consumer, a handler error rate). */
  faults?: Faults;
}

/**
 * user-service, declared once: what it publishes (through its outbox) and what it consumes.
 * Durable names, readiness, the relay's contracts and the shutdown order come from here.
 */
export const userService = defineService<UserServiceDeps>({
  name: 'user-service',
  produces: [UserCreated, UserDeleted],
  consumes: [
    consume(OrderConfirmed, ({ users, faults }: UserServiceDeps) =>
      countOrderOutcome(users, 'confirmed', faults),
    ),
    consume(OrderRejected, ({ users, faults }: UserServiceDeps) =>
      countOrderOutcome(users, 'rejected', faults),
    ),
  ],
});
