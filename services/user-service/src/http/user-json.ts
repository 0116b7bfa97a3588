import type { User } from '../domain/user.js';

/** A user as the API answers it. */
export interface UserJson {
  id: string;
  email: string;
  name: string;
  orderCount: number;
  rejectedOrderCount: number;
  lastOrderAt: string | null;
  createdAt: string;
}

export function toUserJson(user: User): UserJson {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    orderCount: user.orderCount,
    rejectedOrderCount: user.rejectedOrderCount,
    lastOrderAt: user.lastOrderAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}
