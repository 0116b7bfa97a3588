/**
 * The compatibility check of the catalog against the committed schemas of the last release
 * (packages/contracts/schemas/): `npm run contracts:check`. Exits 1 on a breaking change.
 * `npm run contracts:check -- --record` (at a release, once the check passes) records the
 * schema of every version of the catalog as released.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { catalog } from '../src/catalog.js';
import { checkCatalog } from '../src/compatibility.js';
import { readReleasedSchemas, writeReleasedSchemas } from '../src/released.js';

const dir = resolve(import.meta.dirname, '../schemas');
await mkdir(dir, { recursive: true });
const report = checkCatalog(catalog, await readReleasedSchemas(dir));

for (const version of report.versions) {
  const notes =
    version.changes.length === 0
      ? 'unchanged'
      : version.changes.map((c) => `${c.breaking ? 'BREAKING ' : ''}${c.kind}: ${c.message}`).join('\n    ');
  console.log(`${version.type} (${version.status}): ${notes}`);
}
if (!report.compatible) {
  console.error(
    `\n${report.breaking.length} breaking change(s). A released version may only gain optional fields; ` +
      'declare a new version (defineEvent({ version: n + 1, upcastFrom })) instead. See docs/schema-evolution.md.',
  );
  process.exit(1);
}
if (process.argv.includes('--record')) {
  const files = await writeReleasedSchemas(dir, catalog);
  console.log(`\nrecorded ${files.length} schemas in packages/contracts/schemas/`);
} else {
  console.log('\ncompatible with the last release');
}
