import { createTestDatabase, type TestDatabase } from '@demo/infra';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoStepTransaction } from '../src/db/two-step-transaction.js';

/** The transaction a reservation runs in, on a pipelined pool and on a plain one: all of it or none of it. */
describe.each([true, false])('twoStepTransaction (pipeline: %s)', (pipeline) => {
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase('two_step');
    pool = new pg.Pool({ connectionString: database.url, max: 1, pipeline });
    await pool.query('create table notes (id integer primary key, note text not null)');
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  const notes = async () => (await pool.query('select id, note from notes order by id')).rows;
  const insert = (id: number, note: string) =>
    sql`insert into notes (id, note) values (${id}, ${note}) returning id`;

  it('writes what the read decided, and returns the decision', async () => {
    const outcome = await twoStepTransaction(pool, insert(1, 'read'), (rows: Array<{ id: number }>) => ({
      write: insert(rows.length + 1, 'write'),
      outcome: rows,
    }));
    expect(outcome).toEqual([{ id: 1 }]);
    expect(await notes()).toEqual([
      { id: 1, note: 'read' },
      { id: 2, note: 'write' },
    ]);
    expect(await twoStepTransaction(pool, sql`select 1`, () => ({ outcome: 'nothing to write' }))).toBe(
      'nothing to write',
    );
  });

  it('a write that fails takes the read with it, and the client stays usable', async () => {
    const failing = twoStepTransaction(pool, insert(3, 'read'), () => ({
      write: insert(1, 'taken'),
      outcome: 'written',
    }));
    await expect(failing).rejects.toMatchObject({ code: '23505' });
    expect((await notes()).map((n) => n.id)).toEqual([1, 2]);
  });

  it('a read that fails, or a decision that throws, writes nothing', async () => {
    await expect(
      twoStepTransaction(pool, sql`select 1 / 0`, () => ({ write: insert(4, 'never'), outcome: 0 })),
    ).rejects.toMatchObject({ code: '22012' });
    await expect(
      twoStepTransaction(pool, insert(5, 'read'), () => {
        throw new Error('no plan');
      }),
    ).rejects.toThrow('no plan');
    expect((await notes()).map((n) => n.id)).toEqual([1, 2]);
    expect((await pool.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });
});
