/** Writes docs/asyncapi.json at the repository root from the catalog: `npm run asyncapi -w @demo/contracts`. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { renderAsyncApiDocument } from '../src/asyncapi.js';

const target = resolve(import.meta.dirname, '../../../docs/asyncapi.json');
await mkdir(dirname(target), { recursive: true });
await writeFile(target, renderAsyncApiDocument());
console.log('wrote docs/asyncapi.json');
