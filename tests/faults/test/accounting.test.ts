import { describe, expect, it } from 'vitest';
import {
  type AcceptedOrder,
  account,
  quantile,
  type RunObservations,
  type StoredOrder,
} from '../src/accounting.js';

const t0 = new Date('2026-12-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const MiB = 2 ** 20;

function order(id: string, status: StoredOrder['status'], quantity = 2, sagaMs = 100): StoredOrder {
  return { id, userId: 'u1', items: [{ sku: 'A', quantity }], status, createdAt: t0, updatedAt: at(sagaMs) };
}
const acceptedOf = (o: StoredOrder): AcceptedOrder => ({ id: o.id, userId: o.userId, items: o.items });

/** A consistent run: o1 confirmed (2 of A), o2 rejected. */
function healthy(): RunObservations {
  const o1 = order('o1', 'CONFIRMED', 2, 100);
  const o2 = order('o2', 'REJECTED', 50, 300);
  return {
    accepted: [acceptedOf(o1), acceptedOf(o2)],
    orders: [o1, o2],
    reservations: [
      { orderId: 'o1', status: 'RESERVED', items: [{ sku: 'A', quantity: 2 }] },
      { orderId: 'o2', status: 'REJECTED', items: [{ sku: 'A', quantity: 50 }] },
    ],
    stock: [{ sku: 'A', initial: 10, available: 8, reserved: 2 }],
    users: [{ id: 'u1', orderCount: 1, rejectedOrderCount: 1 }],
    deadLetters: [],
    maxRss: { 'order-service': 100 * MiB },
  };
}
const limits = { maxRssBytes: 512 * MiB };

describe('fault run accounting', () => {
  it('finds nothing wrong in a consistent run and reports counts and saga percentiles', () => {
    const report = account(healthy(), limits);
    expect(report).toMatchObject({
      accepted: 2,
      confirmed: 1,
      rejected: 1,
      lost: 0,
      duplicated: 0,
      stuck: 0,
      deadLetters: 0,
      sagaP50Ms: 100,
      sagaP99Ms: 300,
    });
    expect(report.violations).toEqual([]);
  });

  it('counts an accepted order that order-service does not have as lost', () => {
    const run = healthy();
    run.accepted = [...run.accepted, { id: 'o3', userId: 'u1', items: [{ sku: 'A', quantity: 1 }] }];
    const report = account(run, limits);
    expect(report.lost).toBe(1);
    expect(report.violations).toContain('order o3 was accepted but order-service does not have it');
  });

  it('counts a PENDING order as stuck, also one whose answer the client never received', () => {
    const run = healthy();
    const pending = order('o3', 'PENDING');
    run.accepted = [...run.accepted, acceptedOf(pending)];
    run.orders = [...run.orders, pending, order('o4', 'PENDING')];
    run.reservations = [...run.reservations, { orderId: 'o4', status: 'REJECTED', items: [] }];
    const report = account(run, limits);
    expect(report.stuck).toBe(2);
    // Which side the saga waits on.
    expect(report.violations).toEqual([
      'order o3 is still PENDING (no answer from inventory-service)',
      'order o4 (answer not received) is still PENDING (inventory-service REJECTED: order-service has not applied it)',
    ]);
  });

  it('counts an order the saga deadline gave up on as stuck, though its state is terminal', () => {
    const run = healthy();
    const late: StoredOrder = { ...order('o3', 'REJECTED'), reason: 'deadline_exceeded' };
    run.accepted = [...run.accepted, acceptedOf(late)];
    run.orders = [...run.orders, late];
    run.users = [{ id: 'u1', orderCount: 1, rejectedOrderCount: 2 }];
    const report = account(run, limits);
    expect(report.stuck).toBe(1);
    expect(report.violations).toEqual(['order o3 is REJECTED by the saga deadline (deadline_exceeded)']);
  });

  it('counts stock taken twice and an order counted twice for its user as duplicated', () => {
    const run = healthy();
    run.stock = [{ sku: 'A', initial: 10, available: 6, reserved: 4 }];
    run.users = [{ id: 'u1', orderCount: 2, rejectedOrderCount: 1 }];
    const report = account(run, limits);
    expect(report.duplicated).toBe(2);
    expect(report.lost).toBe(0);
    expect(report.violations).toContain('SKU A: 4 units taken, reservations hold 2');
  });

  it('does not count the stock of a reservation whose order is still in flight as duplicated', () => {
    const run = healthy();
    const pending = order('o3', 'PENDING', 3);
    run.accepted = [...run.accepted, acceptedOf(pending)];
    run.orders = [...run.orders, pending];
    run.reservations = [...run.reservations, { orderId: 'o3', status: 'RESERVED', items: pending.items }];
    run.stock = [{ sku: 'A', initial: 10, available: 5, reserved: 5 }];
    const report = account(run, limits);
    expect(report).toMatchObject({ stuck: 1, duplicated: 0, lost: 0 });
  });

  it('counts a confirmed order without its reservation, or missing from its user, as lost', () => {
    const run = healthy();
    run.reservations = run.reservations.filter((r) => r.orderId !== 'o1');
    run.stock = [{ sku: 'A', initial: 10, available: 10, reserved: 0 }];
    run.users = [{ id: 'u1', orderCount: 0, rejectedOrderCount: 1 }];
    const report = account(run, limits);
    expect(report.lost).toBe(2);
    expect(report.violations).toContain('SKU A: 0 units taken, confirmed orders hold 2');
    expect(report.violations).toContain('order o1 is CONFIRMED but its reservation is missing');
  });

  it('reports a user count behind its orders, without counting it lost, while orders still move', () => {
    const run = healthy();
    run.users = [{ id: 'u1', orderCount: 0, rejectedOrderCount: 1 }];
    const report = account(run, { ...limits, settled: false });
    expect(report.lost).toBe(0);
    expect(report.violations).toContain(
      'user u1 counts 0 confirmed orders, order-service has 1 (not settled: behind)',
    );
  });

  it('flags stock still held for a rejected order, and a reservation of an unknown order', () => {
    const run = healthy();
    run.reservations = [
      run.reservations[0]!,
      { orderId: 'o2', status: 'RESERVED', items: [{ sku: 'A', quantity: 50 }] },
      { orderId: 'ghost', status: 'REJECTED', items: [] },
    ];
    const { violations } = account(run, limits);
    expect(violations).toContain('order o2 is REJECTED but stock is still reserved for it');
    expect(violations).toContain('reservation for ghost, an order order-service does not have');
  });

  it('accepts dead letters the fault explains and flags the others, and memory above the bound', () => {
    const run = healthy();
    run.deadLetters = [
      { subject: 'orders.created', reason: 'schema', consumer: 'inventory' },
      { subject: 'inventory.reserved', reason: 'exhausted', consumer: 'orders' },
    ];
    run.maxRss = { 'order-service': 900 * MiB };
    const report = account(run, { ...limits, explainedDeadLetters: (l) => l.reason === 'schema' });
    expect(report.deadLetters).toBe(2);
    expect(report.violations).toEqual([
      'dead letter on inventory.reserved from orders: exhausted',
      'order-service used 900 MiB, above 512 MiB',
    ]);
  });

  it('takes quantiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile([], 0.5)).toBe(0);
  });
});
