import { appRoutes, documentationOnly, type OpenApiInfo, openApiDocument } from '@demo/http';
import { type OrderRoutesDeps, orderRoutes } from './orders.js';

export const API_INFO: OpenApiInfo = {
  title: 'order-service',
  version: '1.0.0',
  description:
    'Orders: place, list, read; the saga settles them. Errors are RFC 9457 problems (application/problem+json).',
};

/** The OpenAPI document `GET /openapi.json` serves, built from the route schemas alone. */
export function apiDocument(): Record<string, unknown> {
  return openApiDocument(
    API_INFO,
    appRoutes({ routes: orderRoutes(documentationOnly<OrderRoutesDeps>()), openapi: API_INFO }),
  );
}
