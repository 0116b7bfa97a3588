import type { EventContract } from '@demo/bus';
import { z } from 'zod';

/** A JSON Schema (draft-07) as plain JSON. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * The JSON Schema of what a producer may publish for one version of an event (draft-07, the
 * base of AsyncAPI schemas): `$id` is the event's `dataschema`, `title` its type.
 */
export function eventJsonSchema(event: EventContract): JsonSchema {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(event.strictSchema, { target: 'draft-07' });
  return { $id: event.dataschema, title: event.type, ...schema };
}

/** The file a version's schema is committed as: `<subject>.v<version>.json`. */
export function schemaFileName(event: Pick<EventContract, 'type'>): string {
  return `${event.type}.json`;
}

/** Two-space JSON and a final newline, as committed. */
export function renderJsonSchema(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
