import { randomUUID } from 'node:crypto';
import { fields } from '@demo/contracts';
import { HttpProblem, input, pageQuery, type Route, route, toPage } from '@demo/http';
import type { BusinessCounter } from '@demo/telemetry';
import { z } from 'zod';
import type { UserRepository } from '../db/users-repository.js';
import { EmailTakenError, UserNotFoundError } from '../domain/errors.js';
import { registerUser } from '../domain/user.js';
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

/** A user as the API answers it (the OpenAPI response schema of `toUserJson`). */
const userJson = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  orderCount: z.number().int().nonnegative(),
  rejectedOrderCount: z.number().int().nonnegative(),
  lastOrderAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
const userPage = z.object({ items: z.array(userJson), nextCursor: z.string().nullable() });
const userLinks = {
  GetUser: { operationId: 'getUser', parameters: { id: '$response.body#/id' } },
  DeleteUser: { operationId: 'deleteUser', parameters: { id: '$response.body#/id' } },
};
const notFoundDoc = { description: 'No such user.', problem: true };

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
    doc: {
      operationId: 'createUser',
      summary: 'Register a user (publishes users.created)',
      responses: {
        201: {
          description: 'Registered.',
          body: userJson,
          headers: { location: { description: 'The new user.', required: true } },
          links: userLinks,
        },
        409: { description: 'The email is already registered.', problem: true },
      },
    },
    handler: async ({ body }) => {
      const user = registerUser(body, { id: newId(), now: now() });
      try {
        await deps.users.create(user);
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
    doc: {
      operationId: 'listUsers',
      summary: 'Users, oldest first, a page at a time',
      responses: { 200: { description: 'A page; `nextCursor` is null on the last.', body: userPage } },
    },
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
    doc: {
      operationId: 'getUser',
      summary: 'One user',
      responses: { 200: { description: 'The user.', body: userJson }, 404: notFoundDoc },
    },
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
    doc: {
      operationId: 'deleteUser',
      summary: 'Delete a user (publishes users.deleted; pending orders are cancelled)',
      responses: { 204: { description: 'Deleted.' }, 404: notFoundDoc },
    },
    handler: async ({ params }) => {
      try {
        await deps.users.delete(params.id, now());
      } catch (error) {
        if (error instanceof UserNotFoundError) throw notFound(params.id);
        throw error;
      }
      return { status: 204 };
    },
  });

  return [create, list, get, remove];
}
