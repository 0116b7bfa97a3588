import { describe, expect, it } from 'vitest';
import { FaultInjectedError, Faults } from '../src/faults.js';
import { FaultConfigError, faultUpdate, NO_FAULTS, parseFaultsEnv } from '../src/switches.js';

describe('DEMO_FAULTS', () => {
  it('parses kebab-case switches', () => {
    expect(parseFaultsEnv('reservation-latency-ms=500, handler-error-rate=0.25')).toEqual({
      reservationLatencyMs: 500,
      handlerErrorRate: 0.25,
    });
    expect(parseFaultsEnv('')).toEqual({});
    expect(parseFaultsEnv(undefined)).toEqual({});
  });

  it('names an unknown switch and a bad value', () => {
    expect(() => parseFaultsEnv('reservation-latency=5')).toThrow(FaultConfigError);
    expect(() => parseFaultsEnv('reservation-latency=5')).toThrow(/unknown switch 'reservation-latency'/);
    expect(() => parseFaultsEnv('handler-error-rate=2')).toThrow(/handler-error-rate=2 is not a valid value/);
    expect(() => parseFaultsEnv('slow-database-ms=')).toThrow(/not a valid value/);
  });

  it('the admin body refuses unknown switches and values out of bounds', () => {
    expect(faultUpdate.safeParse({ consumerStallMs: 100 }).success).toBe(true);
    expect(faultUpdate.safeParse({ stall: 100 }).success).toBe(false);
    expect(faultUpdate.safeParse({ handlerErrorRate: -0.1 }).success).toBe(false);
  });
});

describe('Faults', () => {
  it('starts from the environment; the admin endpoint only with DEMO_FAULTS_ADMIN=true', () => {
    const off = Faults.fromEnv({});
    expect(off.settings()).toEqual(NO_FAULTS);
    expect(off.adminEnabled).toBe(false);
    const on = Faults.fromEnv({ DEMO_FAULTS: 'consumer-stall-ms=10', DEMO_FAULTS_ADMIN: 'true' });
    expect(on.settings().consumerStallMs).toBe(10);
    expect(on.adminEnabled).toBe(true);
  });

  it('fails the configured share of calls', () => {
    const faults = new Faults({ handlerErrorRate: 0.5 });
    expect(() => faults.maybeFail('handlerErrorRate', () => 0.4)).toThrow(FaultInjectedError);
    expect(() => faults.maybeFail('handlerErrorRate', () => 0.6)).not.toThrow();
    faults.update({ handlerErrorRate: 0 });
    expect(() => faults.maybeFail('handlerErrorRate', () => 0)).not.toThrow();
  });

  it('publishes poison messages once per setting, and runs the slow query only when on', async () => {
    const faults = new Faults();
    const published: number[] = [];
    faults.onPoison(async (n) => {
      published.push(n);
    });
    expect(published).toEqual([]);
    faults.update({ poisonMessages: 3 });
    expect(published).toEqual([3]);
    const slept: number[] = [];
    await faults.slowDatabase(async (s) => slept.push(s));
    faults.update({ slowDatabaseMs: 250 });
    await faults.slowDatabase(async (s) => slept.push(s));
    expect(slept).toEqual([0.25]);
  });
});
