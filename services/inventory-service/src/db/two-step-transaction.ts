import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';

const dialect = new PgDialect();

/** A drizzle `sql` statement as node-postgres takes it: the text with `$n`, the values bound. */
function toQuery(statement: SQL | string): pg.QueryConfig {
  if (typeof statement === 'string') return { text: statement };
  const { sql, params } = dialect.sqlToQuery(statement);
  return { text: sql, values: params };
}

/**
 * Sends `statements` one behind the other without waiting for each answer when the client is in
 * pipeline mode (`pipeline: true`, see `connectPostgres`): one round trip for all of them.
 * Otherwise one at a time. Either way every statement gets its own answer, and PostgreSQL runs
 * them in order: after a failure inside a transaction the rest fail too, and `commit` rolls back.
 */
async function send(
  client: pg.PoolClient,
  statements: ReadonlyArray<SQL | string>,
): Promise<Array<PromiseSettledResult<pg.QueryResult>>> {
  if (client.pipeline) return Promise.allSettled(statements.map((s) => client.query(toQuery(s))));
  const answers: Array<PromiseSettledResult<pg.QueryResult>> = [];
  for (const s of statements) {
    answers.push(
      await client.query(toQuery(s)).then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      ),
    );
  }
  return answers;
}

/** The first failure among `answers`, thrown; else the answers' results. */
function settled(answers: Array<PromiseSettledResult<pg.QueryResult>>): pg.QueryResult[] {
  const failed = answers.find((a) => a.status === 'rejected');
  if (failed) throw failed.reason;
  return answers.map((a) => (a as PromiseFulfilledResult<pg.QueryResult>).value);
}

/** What a step-two decision answers: what to write (nothing: only commit) and what to return. */
export interface Decision<T> {
  write?: SQL;
  outcome: T;
}

/**
 * A transaction of a read and, decided from its rows, a write: `begin` travels with the read,
 * `commit` with the write, so on a pipelined client it costs two round trips, and what the read
 * locks stays locked for one (the write and the commit). `decide` is synchronous: nothing else
 * waits between the lock and the write. A failure anywhere rolls the whole transaction back and
 * is thrown; a client whose connection broke is not handed back to the pool.
 */
export async function twoStepTransaction<Row, T>(
  pool: pg.Pool,
  read: SQL,
  decide: (rows: Row[]) => Decision<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const [, found] = settled(await send(client, ['begin', read]));
    const { write, outcome } = decide((found?.rows ?? []) as Row[]);
    const committed = settled(await send(client, write ? [write, 'commit'] : ['commit'])).at(-1);
    // `commit` of a transaction that failed answers ROLLBACK, not an error: never take that for a commit.
    if (committed?.command !== 'COMMIT') throw new Error(`the transaction ended in ${committed?.command}`);
    return outcome;
  } catch (error) {
    if (client.getTransactionStatus() !== 'I') {
      await client.query('rollback').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
