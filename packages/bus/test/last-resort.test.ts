import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('installLastResortHandlers', () => {
  it('logs an unhandled rejection and goes on; logs an uncaught exception, cleans up and exits 1', async () => {
    const outcome = await run(
      process.execPath,
      ['--import', 'tsx', '--conditions=@demo/source', 'test/fixtures/last-resort-child.ts'],
      { cwd: new URL('..', import.meta.url).pathname },
    ).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    const lines = outcome.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; level?: string; err?: { message: string } });
    expect(lines.map((l) => l.msg)).toEqual([
      'unhandled promise rejection; the process goes on',
      'still running',
      'uncaught exception; the process exits',
      'cleanup ran',
    ]);
    expect(lines[0]?.err?.message).toBe('a rejection nobody handled\nwith a second line');
    expect(lines[2]?.level).toBe('error');
    expect(outcome.code).toBe(1);
  });
});
