import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/index.js';

const things = pgTable('things', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
});

describe('PostgreSQL through drizzle-orm (smoke)', () => {
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase('smoke');
    pool = new pg.Pool({ connectionString: database.url });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('runs queries in a database of its own', async () => {
    const db = drizzle(pool);
    const [{ current }] = (await db.execute<{ current: string }>(sql`select current_database() as current`))
      .rows as [{ current: string }];
    expect(current).toBe(database.name);

    await db.execute(sql`create table things (id integer primary key, name text not null)`);
    await db.insert(things).values([
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);
    expect(await db.select().from(things).where(eq(things.id, 2))).toEqual([{ id: 2, name: 'two' }]);
    await expect(db.insert(things).values({ id: 1, name: 'again' })).rejects.toThrow();
  });
});
