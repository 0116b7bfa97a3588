import { readFileSync } from 'node:fs';
import { renderOpenApi } from '@demo/http';
import { apiDocument as inventoryDocument } from 'inventory-service/http/api';
import { apiDocument as orderDocument } from 'order-service/http/api';
import { apiDocument as userDocument } from 'user-service/http/api';
import { describe, expect, it } from 'vitest';

const services = [
  ['user-service', userDocument],
  ['order-service', orderDocument],
  ['inventory-service', inventoryDocument],
] as const;

describe.each(services)('%s OpenAPI document', (name, apiDocument) => {
  const committed = new URL(`../../../docs/openapi/${name}.json`, import.meta.url);

  it(`is the committed docs/openapi/${name}.json (run \`npm run openapi\` after changing a route)`, () => {
    expect(renderOpenApi(apiDocument())).toBe(readFileSync(committed, 'utf8'));
  });

  it('is OpenAPI 3.1 describing every route, with problem+json errors', () => {
    const document = apiDocument() as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          { operationId: string; responses: Record<string, { content?: Record<string, unknown> }> }
        >
      >;
    };
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    expect(new Set(operations.map((o) => o.operationId)).size).toBe(operations.length);
    // `/ready` answers its own report with 503; every other error is a problem.
    for (const operation of operations.filter((o) => o.operationId !== 'getReady')) {
      expect(Object.keys(operation.responses[503]?.content ?? {})).toEqual(['application/problem+json']);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) >= 400) {
          expect(Object.keys(response.content ?? {}), `${operation.operationId} ${status}`).toEqual([
            'application/problem+json',
          ]);
        }
      }
    }
  });
});
