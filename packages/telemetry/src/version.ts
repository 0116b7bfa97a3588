import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The `version` of the nearest package.json above `entry` (the process's main script): the
 * default `service.version` (OTEL_RESOURCE_ATTRIBUTES=service.version=… overrides it).
 */
export function packageVersionOf(entry: string | undefined): string | undefined {
  if (!entry) return undefined;
  let dir = dirname(resolve(entry));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
        return typeof version === 'string' && version ? version : undefined;
      } catch {
        return undefined;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
