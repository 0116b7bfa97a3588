import { appRoutes, documentationOnly, type OpenApiInfo, openApiDocument } from '@demo/http';
import type { InventoryRepository } from '../db/inventory-repository.js';
import type { StockLevelRepository } from '../db/stock-level-repository.js';
import { inventoryRoutes } from './inventory-routes.js';
import { stockLevelRoutes } from './stock-level-routes.js';

export const API_INFO: OpenApiInfo = {
  title: 'inventory-service',
  version: '1.0.0',
  description:
    'Inventory: stock SKUs, read items, stock levels and movements. Errors are RFC 9457 problems (application/problem+json).',
};

/** The service's own routes, in the order `GET /openapi.json` lists them. */
export function apiRoutes(items: InventoryRepository, stockLevels: StockLevelRepository) {
  return [...inventoryRoutes(items), ...stockLevelRoutes(stockLevels)];
}

/** The OpenAPI document `GET /openapi.json` serves, built from the route schemas alone. */
export function apiDocument(): Record<string, unknown> {
  return openApiDocument(
    API_INFO,
    appRoutes({
      routes: apiRoutes(documentationOnly<InventoryRepository>(), documentationOnly<StockLevelRepository>()),
      openapi: API_INFO,
    }),
  );
}
