/**
 * Writes each service's OpenAPI 3.1 document, built from its route schemas, to
 * docs/openapi/<service>.json (`npm run openapi`); the services' tests fail when a committed
 * document differs from what the code would write.
 */
import { writeFileSync } from 'node:fs';
import { renderOpenApi } from '@demo/http';
import { apiDocument as inventory } from '../services/inventory-service/src/http/api.js';
import { apiDocument as order } from '../services/order-service/src/http/api.js';
import { apiDocument as user } from '../services/user-service/src/http/api.js';

const documents = { 'user-service': user, 'order-service': order, 'inventory-service': inventory };
for (const [name, build] of Object.entries(documents)) {
  const file = new URL(`../docs/openapi/${name}.json`, import.meta.url);
  writeFileSync(file, renderOpenApi(build()));
  process.stdout.write(`wrote docs/openapi/${name}.json\n`);
}
