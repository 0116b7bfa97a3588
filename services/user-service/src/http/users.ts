import { randomUUID } from 'node:crypto';
import { pendingEvent } from '@demo/bus';
import { fields, UserCreated, UserDeleted } from '@demo/contracts';
import { HttpProblem, input, pageQuery, type Route, route, toPage } from '@demo/http';
import type { BusinessCounter } from '@demo/telemetry';
import { z } from 'zod';
import type { UserRepository } from '../db/users-repository.js';
import { EmailTakenError, UserNotFoundError } from '../domain/errors.js';
import { registerUser, userCreated, userDeleted } from '../domain/user.js';
import { toUserJson } from './user-json.js';

export interface UserRoutesDeps {
  users: UserRepository;
  /** `demo.users.created`, added to once per committed registration. */
  usersCreated: BusinessCounter;
  newId?: () => string;
  now?: () => Date;
}

const byId = z.object({ id: input.uuid });

const registration = z.object({
  email: input.storableText(fields.email),
  name: input.storableText(fields.personName),
});

function notFound(id: string): HttpProblem {
  return HttpProblem.notFound(`No user ${id}.`, { userId: id });
}

/** `/api/users`: register, list, read and delete users. */
export function userRoutes(deps: UserRoutesDeps): Route[] {
  const newId = deps.newId ?? randomUUID;
  const now = deps.now ?? (() => new Date());

  const create = route({
    method: 'POST',
    path: '/api/users',
    body: registration,
    handler: async ({ body }) => {
      const user = registerUser(body, { id: newId(), now: now() });
      try {
        await deps.users.create(user, pendingEvent(UserCreated, userCreated(user)));
      } catch (error) {
        if (error instanceof EmailTakenError) {
          throw new HttpProblem(409, {
            title: 'Email already registered',
            detail: `A user with email ${error.email} already exists.`,
            extra: { email: error.email },
            cause: error,
          });
        }
        throw error;
      }
      deps.usersCreated.add(1);
      return { status: 201, body: toUserJson(user), headers: { location: `/api/users/${user.id}` } };
    },
  });

  const list = route({
    method: 'GET',
    path: '/api/users',
    query: pageQuery,
    handler: async ({ query }) => {
      const rows = await deps.users.list(query.limit + 1, query.cursor);
      const page = toPage(rows, query.limit);
      return { status: 200, body: { items: page.items.map(toUserJson), nextCursor: page.next ?? null } };
    },
  });

  const get = route({
    method: 'GET',
    path: '/api/users/:id',
    params: byId,
    handler: async ({ params }) => {
      const user = await deps.users.find(params.id);
      if (!user) throw notFound(params.id);
      return { status: 200, body: toUserJson(user) };
    },
  });

  const remove = route({
    method: 'DELETE',
    path: '/api/users/:id',
    params: byId,
    handler: async ({ params }) => {
      try {
        await deps.users.delete(params.id, pendingEvent(UserDeleted, userDeleted(params.id, now())));
      } catch (error) {
        if (error instanceof UserNotFoundError) throw notFound(params.id);
        throw error;
      }
      return { status: 204 };
    },
  });

  return [create, list, get, remove];
}
