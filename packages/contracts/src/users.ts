import { defineEvent } from '@demo/bus';
import { z } from 'zod';
import { email, id, personName, timestamp } from './fields.js';

export const UserCreated = defineEvent({
  subject: 'users.created',
  description: 'A user was registered.',
  schema: z.object({
    userId: id,
    email,
    name: personName,
    createdAt: timestamp,
  }),
});

export const UserDeleted = defineEvent({
  subject: 'users.deleted',
  description: 'A user was deleted; their pending orders are to be cancelled.',
  schema: z.object({
    userId: id,
    deletedAt: timestamp,
  }),
});
