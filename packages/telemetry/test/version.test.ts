import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageVersionOf } from '../src/version.js';

describe('service.version from the package', () => {
  const root = mkdtempSync(join(tmpdir(), 'version-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is the version of the package.json nearest the main script', () => {
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'svc', version: '2.3.4' }));
    mkdirSync(join(root, 'dist', 'nested'), { recursive: true });
    expect(packageVersionOf(join(root, 'dist', 'nested', 'main.js'))).toBe('2.3.4');
  });

  it('is absent without a script, or when the nearest package.json has no version', () => {
    expect(packageVersionOf(undefined)).toBeUndefined();
    const bare = join(root, 'bare');
    mkdirSync(bare);
    writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'bare' }));
    expect(packageVersionOf(join(bare, 'main.js'))).toBeUndefined();
  });
});
