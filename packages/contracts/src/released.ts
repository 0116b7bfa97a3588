import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventContract } from '@demo/bus';
import { eventJsonSchema, type JsonSchema, renderJsonSchema, schemaFileName } from './json-schema.js';

/** The committed schemas of the last release, one file per version (`<subject>.v<n>.json`), by type. */
export async function readReleasedSchemas(dir: string): Promise<Map<string, JsonSchema>> {
  const released = new Map<string, JsonSchema>();
  for (const file of (await readdir(dir)).sort()) {
    if (!file.endsWith('.json')) continue;
    const text = await readFile(join(dir, file), 'utf8');
    let schema: unknown;
    try {
      schema = JSON.parse(text);
    } catch (error) {
      throw new Error(`released schema ${file} is not JSON: ${(error as Error).message}`);
    }
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new Error(`released schema ${file} is not a JSON Schema object`);
    }
    released.set(file.slice(0, -'.json'.length), schema as JsonSchema);
  }
  return released;
}

/** Writes the schema of each given version (a release records the catalog); returns the files written. */
export async function writeReleasedSchemas(dir: string, events: readonly EventContract[]): Promise<string[]> {
  const written: string[] = [];
  for (const event of events) {
    const file = schemaFileName(event);
    await writeFile(join(dir, file), renderJsonSchema(eventJsonSchema(event)));
    written.push(file);
  }
  return written;
}
