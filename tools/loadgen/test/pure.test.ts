import { describe, expect, it } from 'vitest';
import { idOf, orderBody, stockBody, userBody } from '../src/bodies.js';
import { loadConfig, parseDuration } from '../src/config.js';
import { dueAt, dueBy, totalRequests } from '../src/pacing.js';
import { orderIdOf, SagaTracker } from '../src/saga.js';
import { percentile, Recorder } from '../src/stats.js';

describe('pacing', () => {
  it('sends rate x duration requests, evenly spaced from the start', () => {
    expect(totalRequests(5, 60_000)).toBe(300);
    expect(totalRequests(0.5, 10_000)).toBe(5);
    expect(totalRequests(3, 999)).toBe(2);
    expect(dueAt(0, 5)).toBe(0);
    expect(dueAt(1, 5)).toBe(200);
    expect(dueAt(10, 4)).toBe(2500);
  });

  it('counts the requests due by a moment, never past the total', () => {
    expect(dueBy(-1, 10, 100)).toBe(0);
    expect(dueBy(0, 10, 100)).toBe(1); // the first one goes at once
    expect(dueBy(99, 10, 100)).toBe(1);
    expect(dueBy(100, 10, 100)).toBe(2);
    expect(dueBy(1_000, 10, 100)).toBe(11);
    expect(dueBy(60_000, 10, 100)).toBe(100);
    // Consistent with dueAt: request i is due exactly at dueAt(i).
    for (let i = 0; i < 50; i++) expect(dueBy(dueAt(i, 7), 7, 1000)).toBeGreaterThanOrEqual(i + 1);
  });
});

describe('percentiles (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the smallest value with at least p% of the values at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([3, 9], 0)).toBe(3);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises requests, errors, statuses and latencies', () => {
    const r = new Recorder();
    for (const ms of [5, 1, 4, 2, 3]) r.record(201, ms, true);
    r.record(500, 100, false);
    r.record('error', 50, false);
    const s = r.summary();
    expect(s).toMatchObject({ requests: 7, errors: 2, p50: 4, p95: 100, p99: 100, max: 100 });
    expect(s.byStatus).toEqual({ '201': 5, '500': 1, error: 1 });
  });
});

describe('configuration', () => {
  it('has defaults that drive the compose stack', () => {
    const c = loadConfig([], {});
    expect(c).toMatchObject({
      userServiceUrl: 'http://user-service:8000',
      orderServiceUrl: 'http://order-service:8001',
      inventoryServiceUrl: 'http://inventory-service:8002',
      rate: 5,
      durationMs: 60_000,
    });
  });

  it('reads the environment, and command-line options win over it', () => {
    const env = { LOADGEN_RATE: '20', LOADGEN_DURATION: '2m', USER_SERVICE_URL: 'http://127.0.0.1:9000/' };
    const c = loadConfig(['--rate', '7.5', '--users=3', '--settle', '0'], env);
    expect(c.rate).toBe(7.5);
    expect(c.durationMs).toBe(120_000);
    expect(c.users).toBe(3);
    expect(c.settleMs).toBe(0);
    expect(c.userServiceUrl).toBe('http://127.0.0.1:9000');
  });

  it('parses durations with units, a bare number being seconds', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('2.5s')).toBe(2500);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });

  it('refuses bad values with every problem and the usage', () => {
    const attempt = () => loadConfig(['--rate=-1'], { LOADGEN_USERS: 'many', ORDER_SERVICE_URL: 'ftp://x' });
    expect(attempt).toThrow(/^ {2}rate: /m);
    expect(attempt).toThrow(/^ {2}users: /m);
    expect(attempt).toThrow(/^ {2}orderServiceUrl: /m);
    expect(attempt).toThrow(/usage: loadgen/);
    expect(() => loadConfig(['--duration', 'forever'], {})).toThrow(/not a duration/);
    expect(() => loadConfig(['--nope', '1'], {})).toThrow(/nope/);
  });
});

describe('request bodies', () => {
  it('are unique per run and index, and well-formed', () => {
    expect(userBody('ab12', 3)).toEqual({ email: 'loadgen+ab12-3@example.com', name: 'Load Test User 3' });
    const stock = stockBody('ab12', 7, 50);
    expect(stock).toMatchObject({ sku: 'LG-AB12-007', quantity: 50 });
    expect(stock.unitPrice).toBeGreaterThan(0);
    expect(orderBody('u1', [{ sku: 'A', quantity: 2 }])).toEqual({
      userId: 'u1',
      items: [{ sku: 'A', quantity: 2 }],
    });
  });

  it('find the id of a created resource under its usual names', () => {
    expect(idOf({ id: 'x' })).toBe('x');
    expect(idOf({ userId: 'u', id: 'x' }, 'userId')).toBe('u');
    expect(idOf({ orderId: 42 }, 'orderId')).toBe('42');
    expect(idOf('nope')).toBeUndefined();
  });
});

describe('SagaTracker', () => {
  it('times POST→terminal per order, counts outcomes once, and keeps the unsettled as pending', () => {
    let now = 0;
    const tracker = new SagaTracker(() => now);
    tracker.placed('a', 0);
    tracker.placed('b', 10);
    tracker.placed('c', 20);
    now = 110;
    tracker.reached('a', 'CONFIRMED');
    tracker.reached('a', 'CONFIRMED'); // a second event for one order changes nothing
    now = 60;
    tracker.reached('b', 'REJECTED');
    const s = tracker.summary();
    expect(s).toMatchObject({
      placed: 3,
      pending: 1,
      pendingSample: ['c'],
      settled: { CONFIRMED: 1, REJECTED: 1, CANCELLED: 0 },
    });
    expect([s.p50, s.max]).toEqual([50, 110]);
  });

  it('counts a terminal event that arrives before the POST’s answer', () => {
    const tracker = new SagaTracker(() => 40);
    tracker.reached('x', 'CONFIRMED');
    tracker.placed('x', 15);
    expect(tracker.summary()).toMatchObject({ placed: 1, pending: 0, p50: 25 });
  });

  it('reads the order id of an event body, and nothing from a bad one', () => {
    expect(orderIdOf('{"orderId":"o-1","total":3}')).toBe('o-1');
    expect(orderIdOf('not json')).toBeUndefined();
    expect(orderIdOf('{"orderId":7}')).toBeUndefined();
  });
});
