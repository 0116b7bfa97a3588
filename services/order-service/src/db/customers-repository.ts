import type { Customer } from '../domain/customer.js';
import type { DocumentLocks } from './document-locks.js';
import type { Collections, CustomerDocument } from './schema.js';

const customerLock = (userId: string) => `customers:${userId}`;

function toCustomer(doc: CustomerDocument): Customer {
  const customer: Customer = { userId: doc._id };
  if (doc.email !== undefined) customer.email = doc.email;
  if (doc.name !== undefined) customer.name = doc.name;
  if (doc.createdAt !== undefined) customer.createdAt = doc.createdAt;
  if (doc.deletedAt !== undefined) customer.deletedAt = doc.deletedAt;
  return customer;
}

export interface CustomersRepositoryOptions {
  /** How long a customer read here may be answered again without a read (`recent`). Default 30 s. */
  recentMs?: number;
  /** Customers kept for `recent`. Default 10,000. */
  maxRecent?: number;
  clock?: () => number;
}

/**
 * The customer projection. Both writes are upserts that set only what their event says, so
 * they are idempotent and commute: a `users.deleted` that overtakes its `users.created` (two
 * consumers, no order between them) still leaves the customer deleted.
 */
export class CustomersRepository {
  /** Customers as last read here, with when (oldest first); a write here drops its entry. */
  private readonly read = new Map<string, { customer: Customer; at: number }>();
  private readonly recentMs: number;
  private readonly maxRecent: number;
  private readonly clock: () => number;

  constructor(
    private readonly collections: Pick<Collections, 'customers'>,
    private readonly locks: DocumentLocks,
    options: CustomersRepositoryOptions = {},
  ) {
    this.recentMs = options.recentMs ?? 30_000;
    this.maxRecent = options.maxRecent ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  async find(userId: string): Promise<Customer | null> {
    const doc = await this.collections.customers.findOne({ _id: userId });
    if (doc === null) return null;
    const customer = toCustomer(doc);
    this.read.delete(userId);
    this.read.set(userId, { customer, at: this.clock() });
    if (this.read.size > this.maxRecent) {
      const oldest = this.read.keys().next();
      if (!oldest.done) this.read.delete(oldest.value);
    }
    return customer;
  }

  /**
   * The customer as read here less than `recentMs` ago, with no write to it here since; else
   * undefined (then `find`). It may miss a change another instance made meanwhile: use it only
   * where a `find` after the dependent write has the last word.
   */
  recent(userId: string): Customer | undefined {
    const entry = this.read.get(userId);
    if (entry === undefined) return undefined;
    if (this.clock() - entry.at >= this.recentMs) {
      this.read.delete(userId);
      return undefined;
    }
    return entry.customer;
  }

  async record(customer: { userId: string; email: string; name: string; createdAt: Date }): Promise<void> {
    this.read.delete(customer.userId);
    await this.locks.run(customerLock(customer.userId), () =>
      this.collections.customers.updateOne(
        { _id: customer.userId },
        { $set: { email: customer.email, name: customer.name, createdAt: customer.createdAt } },
        { upsert: true },
      ),
    );
  }

  async markDeleted(userId: string, deletedAt: Date): Promise<void> {
    this.read.delete(userId);
    await this.locks.run(customerLock(userId), () =>
      this.collections.customers.updateOne({ _id: userId }, { $set: { deletedAt } }, { upsert: true }),
    );
    // A find that ran during the write may have cached the customer as it was before.
    this.read.delete(userId);
  }
}
