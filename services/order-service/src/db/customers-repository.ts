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

/**
 * The customer projection. Both writes are upserts that set only what their event says, so
 * they are idempotent and commute: a `users.deleted` that overtakes its `users.created` (two
 * consumers, no order between them) still leaves the customer deleted.
 */
export class CustomersRepository {
  constructor(
    private readonly collections: Pick<Collections, 'customers'>,
    private readonly locks: DocumentLocks,
  ) {}

  async find(userId: string): Promise<Customer | null> {
    const doc = await this.collections.customers.findOne({ _id: userId });
    return doc === null ? null : toCustomer(doc);
  }

  async record(customer: { userId: string; email: string; name: string; createdAt: Date }): Promise<void> {
    await this.locks.run(customerLock(customer.userId), () =>
      this.collections.customers.updateOne(
        { _id: customer.userId },
        { $set: { email: customer.email, name: customer.name, createdAt: customer.createdAt } },
        { upsert: true },
      ),
    );
  }

  async markDeleted(userId: string, deletedAt: Date): Promise<void> {
    await this.locks.run(customerLock(userId), () =>
      this.collections.customers.updateOne({ _id: userId }, { $set: { deletedAt } }, { upsert: true }),
    );
  }
}
