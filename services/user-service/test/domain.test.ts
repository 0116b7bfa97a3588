import { describe, expect, it } from 'vitest';
import { recordOrderOutcome } from '../src/domain/order-stats.js';
import { registerUser, userCreated, userDeleted } from '../src/domain/user.js';

const id = '0b7e4a4e-6c1f-4d43-9a55-5d2b0f7d3a11';
const now = new Date('2026-11-24T10:00:00.123Z');

describe('registerUser', () => {
  it('stores the email trimmed and lower-cased, with no orders yet', () => {
    expect(registerUser({ email: '  Ada@Example.COM ', name: 'Ada' }, { id, now })).toEqual({
      id,
      email: 'ada@example.com',
      name: 'Ada',
      orderCount: 0,
      rejectedOrderCount: 0,
      lastOrderAt: null,
      createdAt: now,
    });
  });

  it('announces the user as users.created and its deletion as users.deleted', () => {
    const user = registerUser({ email: 'ada@example.com', name: 'Ada' }, { id, now });
    expect(userCreated(user)).toEqual({
      userId: id,
      email: 'ada@example.com',
      name: 'Ada',
      createdAt: '2026-11-24T10:00:00.123Z',
    });
    expect(userDeleted(id, now)).toEqual({ userId: id, deletedAt: '2026-11-24T10:00:00.123Z' });
  });
});

describe('recordOrderOutcome', () => {
  const none = { orderCount: 0, rejectedOrderCount: 0, lastOrderAt: null };
  const at = new Date('2026-11-24T12:00:00.000Z');

  it('counts a confirmed order and sets the last order time', () => {
    expect(recordOrderOutcome(none, 'confirmed', at)).toEqual({
      orderCount: 1,
      rejectedOrderCount: 0,
      lastOrderAt: at,
    });
  });

  it('counts a rejected order apart and sets the last order time', () => {
    expect(recordOrderOutcome({ ...none, orderCount: 2 }, 'rejected', at)).toEqual({
      orderCount: 2,
      rejectedOrderCount: 1,
      lastOrderAt: at,
    });
  });

  it('never moves the last order time back for an event delivered late', () => {
    const later = new Date('2026-11-25T00:00:00.000Z');
    const stats = recordOrderOutcome({ ...none, lastOrderAt: later }, 'confirmed', at);
    expect(stats).toEqual({ orderCount: 1, rejectedOrderCount: 0, lastOrderAt: later });
  });
});
