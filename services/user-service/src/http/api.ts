import { appRoutes, documentationOnly, type OpenApiInfo, openApiDocument } from '@demo/http';
import { type UserRoutesDeps, userRoutes } from './users.js';

export const API_INFO: OpenApiInfo = {
  title: 'user-service',
  version: '1.0.0',
  description:
    'Users: register, list, read, delete. Errors are RFC 9457 problems (application/problem+json).',
};

/** The OpenAPI document `GET /openapi.json` serves, built from the route schemas alone. */
export function apiDocument(): Record<string, unknown> {
  return openApiDocument(
    API_INFO,
    appRoutes({ routes: userRoutes(documentationOnly<UserRoutesDeps>()), openapi: API_INFO }),
  );
}
