import { UserCreated, UserDeleted } from '@demo/contracts';

/** What this service publishes, all through its outbox. */
export const producedEvents = [UserCreated, UserDeleted] as const;
