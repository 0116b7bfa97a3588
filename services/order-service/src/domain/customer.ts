/** The customer projection: who may order, as learned from `users.created` and `users.deleted`. */
export interface Customer {
  userId: string;
  /** Absent while only `users.deleted` has arrived (it may overtake `users.created`). */
  email?: string;
  name?: string;
  createdAt?: Date;
  deletedAt?: Date;
}

/** Only a customer announced by `users.created` and not deleted may place an order. */
export function mayOrder(customer: Customer | null): boolean {
  return customer !== null && customer.createdAt !== undefined && customer.deletedAt === undefined;
}
