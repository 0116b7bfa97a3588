import type { UserCreatedData, UserDeletedData } from '@demo/contracts';

/** A user as the service knows it. */
export interface User {
  id: string;
  /** Lower-cased: two spellings of one address are one user. */
  email: string;
  name: string;
  orderCount: number;
  rejectedOrderCount: number;
  lastOrderAt: Date | null;
  createdAt: Date;
}

export interface Registration {
  email: string;
  name: string;
}

/** The one spelling an address is stored and compared in. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A new user: no orders yet. */
export function registerUser(registration: Registration, at: { id: string; now: Date }): User {
  return {
    id: at.id,
    email: normalizeEmail(registration.email),
    name: registration.name,
    orderCount: 0,
    rejectedOrderCount: 0,
    lastOrderAt: null,
    createdAt: at.now,
  };
}

export function userCreated(user: User): UserCreatedData {
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    createdAt: user.createdAt.toISOString(),
  };
}

export function userDeleted(userId: string, deletedAt: Date): UserDeletedData {
  return { userId, deletedAt: deletedAt.toISOString() };
}
