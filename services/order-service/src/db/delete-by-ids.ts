import type { Collection, Document } from 'mongodb';
import { throwWriteErrors } from './unordered-insert.js';

/**
 * Deletes the documents with these `_id`s: one unordered `delete` command with a statement per
 * id, not `{_id: {$in: ids}}`. FerretDB 1.x pushes an equality on `_id` down to its storage (an
 * index lookup on the local stack) but not `$in`, for which it reads and decodes every document
 * of the collection, in-flight intents and all. A raw command for the reason `insertUnordered`
 * gives: a connection failure comes through as the driver's own transient error.
 */
export async function deleteByIds<T extends Document>(
  collection: Collection<T>,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  const reply = await collection.db.command({
    delete: collection.collectionName,
    deletes: ids.map((id) => ({ q: { _id: id }, limit: 1 })),
    ordered: false,
  });
  throwWriteErrors(collection.collectionName, reply, ids.length, 'deletes');
}
