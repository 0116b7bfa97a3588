import { OrderCancelled, OrderConfirmed, OrderCreatedV2, OrderRejected } from '@demo/contracts';
import { describe, expect, it } from 'vitest';
import { DocumentLocks } from '../src/db/document-locks.js';
import { mayOrder } from '../src/domain/customer.js';
import {
  ORDER_STATUSES,
  type OrderSignal,
  placeOrder,
  releaseAfterDeadline,
  sagaDeadline,
  transition,
} from '../src/domain/order.js';

const ids = { id: '7d6f0f5e-2a51-4b8e-9d4c-1f2e3a4b5c6d', userId: '0b9e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4' };
const contracts = {
  'orders.created': OrderCreatedV2,
  'orders.confirmed': OrderConfirmed,
  'orders.rejected': OrderRejected,
  'orders.cancelled': OrderCancelled,
};

describe('placeOrder', () => {
  it('makes a PENDING order and an orders.created v2 event its contract accepts, with the quoted prices', () => {
    const now = new Date('2026-11-24T10:00:00.000Z');
    const { order, event } = placeOrder({
      ...ids,
      items: [
        { sku: 'SKU-1', quantity: 2 },
        { sku: 'SKU-2', quantity: 1, unitPrice: 4.99 },
      ],
      now,
    });
    expect(order).toEqual({
      ...ids,
      items: [
        { sku: 'SKU-1', quantity: 2 },
        { sku: 'SKU-2', quantity: 1 },
      ],
      status: 'PENDING',
      createdAt: now,
      updatedAt: now,
    });
    expect(event).toEqual({
      subject: 'orders.created',
      data: {
        orderId: ids.id,
        userId: ids.userId,
        items: [
          { sku: 'SKU-1', quantity: 2, unitPrice: null },
          { sku: 'SKU-2', quantity: 1, unitPrice: 4.99 },
        ],
        currency: 'EUR',
        createdAt: now.toISOString(),
      },
    });
    expect(OrderCreatedV2.strictSchema.safeParse(event.data).success).toBe(true);
  });
});

describe('transition', () => {
  const pending = { ...ids, status: 'PENDING' as const };

  it.each([
    [{ type: 'stock-reserved', total: 12.5 }, 'CONFIRMED', 'confirmed', { total: 12.5 }],
    [{ type: 'stock-rejected', reason: 'unknown_sku' }, 'REJECTED', 'rejected', { reason: 'unknown_sku' }],
    [{ type: 'user-deleted' }, 'CANCELLED', 'cancelled', { reason: 'user_deleted' }],
    [{ type: 'deadline-passed' }, 'REJECTED', 'rejected', { reason: 'deadline_exceeded' }],
  ] as const)('moves a PENDING order on %o', (signal, status, outcome, payload) => {
    const change = transition(pending, signal as OrderSignal);
    expect(change).toMatchObject({ from: 'PENDING', status, outcome, ...payload });
    expect(change?.event.data).toEqual({ orderId: ids.id, userId: ids.userId, ...payload });
    const contract = contracts[change?.event.subject ?? 'orders.created'];
    expect(contract.strictSchema.safeParse(change?.event.data).success).toBe(true);
  });

  it.each(
    ORDER_STATUSES.filter((s) => s !== 'PENDING').flatMap((status) =>
      (
        [
          { type: 'stock-reserved', total: 1 },
          { type: 'stock-rejected', reason: 'insufficient_stock' },
          { type: 'user-deleted' },
          { type: 'deadline-passed' },
        ] as const
      ).map((signal) => [status, signal] as const),
    ),
  )('never moves a %s order (signal %o)', (status, signal) => {
    expect(transition({ ...ids, status }, signal)).toBeNull();
  });
});

describe('saga deadline', () => {
  it('is the placing time plus the deadline', () => {
    expect(sagaDeadline(new Date('2026-12-01T10:00:00Z'), 300_000)).toEqual(new Date('2026-12-01T10:05:00Z'));
  });

  it('after a deadline rejection, asks inventory to release (orders.cancelled) without moving the order', () => {
    const change = releaseAfterDeadline({ ...ids, status: 'REJECTED', reason: 'deadline_exceeded' });
    expect(change).toMatchObject({
      from: 'REJECTED',
      status: 'REJECTED',
      event: { subject: 'orders.cancelled' },
    });
    expect(OrderCancelled.strictSchema.safeParse(change?.event.data).success).toBe(true);
  });

  it.each([
    { status: 'PENDING' as const },
    { status: 'CONFIRMED' as const },
    { status: 'REJECTED' as const, reason: 'insufficient_stock' as const },
    { status: 'CANCELLED' as const, reason: 'user_deleted' as const },
  ])('releases nothing for any other order (%o)', (order) => {
    expect(releaseAfterDeadline({ ...ids, ...order })).toBeNull();
  });
});

describe('mayOrder', () => {
  it('admits only a customer announced by users.created and not deleted', () => {
    const createdAt = new Date();
    expect(mayOrder(null)).toBe(false);
    expect(mayOrder({ userId: ids.userId, createdAt })).toBe(true);
    expect(mayOrder({ userId: ids.userId, createdAt, deletedAt: new Date() })).toBe(false);
    expect(mayOrder({ userId: ids.userId, deletedAt: new Date() })).toBe(false);
  });
});

describe('DocumentLocks', () => {
  it('runs the work on one key one at a time, in order, and forgets idle keys', async () => {
    const locks = new DocumentLocks();
    const log: string[] = [];
    const step = (name: string, ms: number) =>
      locks.run('orders:1', async () => {
        log.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        log.push(`end ${name}`);
      });
    const other = locks.run('orders:2', async () => void log.push('other'));
    await Promise.all([step('a', 30), step('b', 1), other]);
    expect(log.filter((entry) => entry !== 'other')).toEqual(['start a', 'end a', 'start b', 'end b']);
    // Another key does not wait for this one.
    expect(log.indexOf('other')).toBeLessThan(log.indexOf('end a'));
    expect(locks.size).toBe(0);
  });

  it('lets the next run go when one fails', async () => {
    const locks = new DocumentLocks();
    const failed = locks.run('k', async () => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    await expect(locks.run('k', async () => 'next')).resolves.toBe('next');
  });
});
