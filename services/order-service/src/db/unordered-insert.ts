import { type Collection, type Document, MongoServerError } from 'mongodb';

/** Duplicate key: what the insert would write is there already. */
const DUPLICATE_KEY = 11000;

/** The server refused a write because a unique index (`_id`'s, at least) holds its key already. */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/**
 * Inserts `docs` with one unordered `insert` command; a document whose `_id` is there already
 * counts as written (a retried write). A raw command rather than `insertMany`: the driver's bulk
 * API wraps a connection failure in a `MongoBulkWriteError`, which the consumers' failure
 * classification reads as an ordinary failure, so a MongoDB restart would dead-letter messages;
 * here the driver's own (transient) error comes through, and write errors come in the reply.
 */
export async function insertUnordered<T extends Document>(
  collection: Collection<T>,
  docs: readonly T[],
): Promise<void> {
  if (docs.length === 0) return;
  const reply = await collection.db.command({
    insert: collection.collectionName,
    documents: [...docs],
    ordered: false,
  });
  throwWriteErrors(collection.collectionName, reply, docs.length, 'inserts', (e) => e.code !== DUPLICATE_KEY);
}

/** A statement's failure in the reply of a raw write command. */
interface WriteError {
  code?: number;
  errmsg?: string;
}

/**
 * Throws the first of the reply's write errors that `counts` (all by default) as the server's
 * error, with how many of the command's `total` statements (`what`: `inserts`, `deletes`) failed.
 */
export function throwWriteErrors(
  collectionName: string,
  reply: Document,
  total: number,
  what: string,
  counts: (error: WriteError) => boolean = () => true,
): void {
  const failed = ((reply.writeErrors ?? []) as WriteError[]).filter(counts);
  const first = failed[0];
  if (first !== undefined)
    throw new MongoServerError({
      message: `${collectionName}: ${failed.length} of ${total} ${what} failed: ${first.errmsg ?? 'write error'}`,
      code: first.code ?? 0,
    });
}
