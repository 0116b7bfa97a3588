import { z } from 'zod';
import type { ResponseDoc, Route } from './route.js';

/**
 * OpenAPI 3.1 from the routes' own zod schemas (zod's JSON Schema output, draft 2020-12, which is
 * OpenAPI 3.1's dialect): one source for validation and documentation. Pure: a document in, no I/O.
 */

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

type JsonSchema = Record<string, unknown>;
type Document = Record<string, unknown>;

const PROBLEM = 'application/problem+json';
const JSON_TYPE = 'application/json';

/** The RFC 9457 problem body every error answers with. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string().optional(),
    traceId: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .meta({ description: 'RFC 9457 problem details; `errors` names each invalid field (`body.name`).' });

const toJson = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _, ...json } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    // Refinements JSON Schema cannot say (storable text, whole cents) are checked by the server.
  }) as JsonSchema;
  return json;
};

/** `/api/users/:id` → `/api/users/{id}`. */
const openApiPath = (template: string) => template.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** `idempotency-key` → `Idempotency-Key`: header names are case-insensitive; the document shows them as specs write them. */
const headerName = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query' | 'header'): JsonSchema[] {
  if (schema === undefined) return [];
  const json = toJson(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name: where === 'header' ? headerName(name) : name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

const problemResponse = (description: string, headers?: ResponseDoc['headers']): ResponseDoc => ({
  description,
  problem: true,
  ...(headers ? { headers } : {}),
});

const retryAfter = { 'retry-after': { description: 'Seconds to wait before trying again.', required: true } };

/** Problems every route can answer, from its shape. */
function implicitResponses(route: Route): Record<number, ResponseDoc> {
  const implicit: Record<number, ResponseDoc> = {};
  if (route.params || route.query || route.headers || route.body)
    implicit[400] = problemResponse('Invalid input: `errors` names each field.');
  if (route.body) {
    implicit[413] = problemResponse('The body is larger than the route accepts.');
    implicit[415] = problemResponse('The body is not `application/json`.');
  }
  implicit[500] = problemResponse('An unexpected error.');
  implicit[503] = problemResponse(
    'A dependency is busy or unreachable, or the request timed out.',
    retryAfter,
  );
  return implicit;
}

function response(doc: ResponseDoc): JsonSchema {
  const out: JsonSchema = { description: doc.description };
  if (doc.problem) out.content = { [PROBLEM]: { schema: { $ref: '#/components/schemas/Problem' } } };
  else if (doc.body) out.content = { [JSON_TYPE]: { schema: toJson(doc.body, 'output') } };
  if (doc.headers) {
    out.headers = Object.fromEntries(
      Object.entries(doc.headers).map(([name, h]) => [
        name,
        { description: h.description, required: h.required ?? false, schema: { type: 'string' } },
      ]),
    );
  }
  if (doc.links) out.links = doc.links;
  return out;
}

const defaultOperationId = (route: Route) =>
  `${route.method.toLowerCase()}${route.path
    .split('/')
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `By${part[1]?.toUpperCase()}${part.slice(2)}` : part))
    .map((part) => part.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase()))
    .map((part) => `${part[0]?.toUpperCase() ?? ''}${part.slice(1)}`)
    .join('')}`;

/** The OpenAPI 3.1 document of `routes`. */
export function openApiDocument(info: OpenApiInfo, routes: readonly Route[]): Document {
  const paths: Record<string, Record<string, unknown>> = {};
  // `/admin/…` (the demo's fault switches) is for operators and tests, not the service's API.
  for (const route of routes.filter((r) => !r.path.startsWith('/admin/'))) {
    const path = openApiPath(route.path);
    const declared = route.doc?.responses ?? {};
    const responses = { ...implicitResponses(route), ...declared };
    const operation: Record<string, unknown> = {
      operationId: route.doc?.operationId ?? defaultOperationId(route),
      ...(route.doc?.summary ? { summary: route.doc.summary } : {}),
    };
    const params = [
      ...parameters(route.params, 'path'),
      ...parameters(route.query, 'query'),
      ...parameters(route.headers, 'header'),
    ];
    if (params.length > 0) operation.parameters = params;
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { [JSON_TYPE]: { schema: toJson(route.body, 'input') } },
      };
    }
    operation.responses = Object.fromEntries(
      Object.entries(responses)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([status, doc]) => [status, response(doc)]),
    );
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: { schemas: { Problem: toJson(problemSchema, 'output') } },
  };
}

/**
 * Stands in for a route factory's dependencies when only the routes' schemas are wanted (to
 * write the OpenAPI document without servers). Reading a member gives `undefined`, so a factory
 * falls back to its defaults; calling a handler built on it fails, which documenting never does.
 */
export function documentationOnly<T extends object>(): T {
  return new Proxy({}, { get: () => undefined }) as T;
}

/** The document as committed under `docs/openapi/`: two-space JSON and a final newline. */
export function renderOpenApi(document: Record<string, unknown>): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
