import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ferretDbBackend,
  freePort,
  isAlive,
  type ServerRecord,
  startFerretDb,
  stopFerretDb,
  stopProcess,
} from '../src/index.js';

async function count(url: string): Promise<number> {
  const client = await new MongoClient(url, { serverSelectionTimeoutMS: 5_000 }).connect();
  try {
    return await client.db('lifecycle').collection('docs').countDocuments();
  } finally {
    await client.close();
  }
}

async function insert(url: string, id: string): Promise<void> {
  const client = await new MongoClient(url, { serverSelectionTimeoutMS: 5_000 }).connect();
  try {
    await client.db('lifecycle').collection<{ _id: string }>('docs').insertOne({ _id: id });
  } finally {
    await client.close();
  }
}

describe('FerretDB on a PostgreSQL of its own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferretdb-lifecycle-'));
  // PostgreSQL runs as its own user when we are root: it must be able to reach its folder.
  chmodSync(dir, 0o755);
  let record: ServerRecord | undefined;

  afterAll(async () => {
    if (record) await stopFerretDb(record);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the default backend; SQLite on request; anything else is refused', () => {
    expect(ferretDbBackend(undefined)).toBe('postgresql');
    expect(ferretDbBackend('sqlite')).toBe('sqlite');
    expect(() => ferretDbBackend('mysql')).toThrow(/DEMO_FERRETDB_BACKEND/);
  });

  it(
    'keeps its storage when only FerretDB stops, starts again on it, and stops both at the end',
    { timeout: 120_000 },
    async () => {
      const port = await freePort();
      record = await startFerretDb({ dir, port, backend: 'postgresql' });
      const storagePid = Number(record.extra.backendPid);
      expect(record.extra.backend).toBe('FerretDB on PostgreSQL');
      expect(storagePid).toBeGreaterThan(0);
      await insert(record.url, 'before-the-stop');

      // A fault: only the FerretDB process stops (as the fault harness stops "MongoDB").
      await stopProcess(record.pid);
      expect(isAlive(record.pid)).toBe(false);
      expect(isAlive(storagePid)).toBe(true);

      record = await startFerretDb({ dir, port, backend: 'postgresql' });
      expect(Number(record.extra.backendPid)).toBe(storagePid);
      expect(await count(record.url)).toBe(1);

      const last = record;
      record = undefined;
      await stopFerretDb(last);
      expect(isAlive(last.pid)).toBe(false);
      expect(isAlive(storagePid)).toBe(false);
    },
  );
});
