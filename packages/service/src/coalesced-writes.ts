interface Waiting<T, R> {
  items: readonly T[];
  resolve(results: R[]): void;
  reject(error: unknown): void;
}

/**
 * One command for many callers: `run(items)` joins the items of every call made while the
 * previous command is under way into the next one (`write` gets them all, in call order), and
 * resolves once the command holding its items succeeded, with the results `write` gave for its
 * own items (in its items' order). A failed command fails every call it held. At one caller at a
 * time it is one command a call; under load, one command a round trip whatever the number of
 * callers. `write` returns one result per item, or nothing (`R` = `void`).
 */
export class CoalescedWrites<T, R = void> {
  private queued: Waiting<T, R>[] = [];
  private writing = false;

  constructor(private readonly write: (items: T[]) => Promise<readonly R[] | undefined | void>) {}

  run(items: readonly T[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      this.queued.push({ items, resolve, reject });
      if (!this.writing) void this.writeQueued();
    });
  }

  private async writeQueued(): Promise<void> {
    this.writing = true;
    try {
      while (this.queued.length > 0) {
        const batch = this.queued;
        this.queued = [];
        try {
          const results = (await this.write(batch.flatMap((w) => w.items))) ?? [];
          let at = 0;
          for (const w of batch) {
            w.resolve(results.slice(at, at + w.items.length) as R[]);
            at += w.items.length;
          }
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
