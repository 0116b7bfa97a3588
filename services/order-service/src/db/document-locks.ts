/**
 * Serializes this process's writes to one document.
 *
 * Why: the design rests on single-document atomicity, which MongoDB gives but FerretDB 1.x on
 * SQLite (the server of development and CI here) does not. Measured against FerretDB 1.24.2:
 * two concurrent `findOneAndUpdate({ _id, status: 'PENDING' }, …)` on one order both succeed,
 * and a `$pullAll` of the outbox racing a `$push` loses one of them. Writes to a document go
 * through here, one at a time per document, so one instance is correct on either server;
 * across instances only MongoDB's own atomicity holds (see the README).
 */
export class DocumentLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` once every earlier `run` for `key` has settled. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a write running or waiting (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
