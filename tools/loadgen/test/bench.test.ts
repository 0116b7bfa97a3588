import { describe, expect, it } from 'vitest';
import { type CpuProfile, packageOf, summarizeProfile } from '../bench/cpu-profile.js';
import type { HammerRun } from '../bench/hammer.js';
import { median, summarizeVariants, telemetryRatios } from '../bench/http-summary.js';
import { parseVariantSpec } from '../bench/variant-spec.js';

const run = (perSecond: number): HammerRun => ({
  requests: perSecond * 10,
  perSecond,
  p50: 1,
  p99: 2,
  errors: 0,
});
const round = (label: string, r: number, perSecond: number, cpu: number) => ({
  label,
  round: r,
  run: run(perSecond),
  serverCpuMsPerRequest: cpu,
  collectorCpuPercent: 1,
});

describe('bench:http summary', () => {
  it('takes the on / off ratio within each round, then the median', () => {
    const rounds = [
      round('on', 1, 800, 0.5),
      round('off', 1, 1000, 0.4),
      round('on', 2, 450, 0.5),
      round('off', 2, 500, 0.4),
      round('on', 3, 700, 0.5),
      round('off', 3, 1000, 0.4),
    ];
    const [ratio] = telemetryRatios(rounds, [
      ['on', 'off'],
      ['baseline on', 'baseline off'],
    ]);
    expect(ratio?.perRound).toEqual([0.8, 0.9, 0.7]);
    expect(ratio?.median).toBe(0.8);
    expect(ratio?.cpuMedian).toBeCloseTo(0.8);
    expect(telemetryRatios(rounds, [['baseline on', 'baseline off']])).toEqual([]);
    expect(summarizeVariants(rounds).map((s) => [s.label, s.perSecond])).toEqual([
      ['on', 700],
      ['off', 1000],
    ]);
    expect(median([3, 1, 2, 4])).toBe(2.5);
  });

  it('sums a profile’s self time by package, start-up and idle left out', () => {
    expect(packageOf('file:///r/node_modules/@opentelemetry/sdk-trace/dist/Span.mjs', 'end')).toBe(
      '@opentelemetry/sdk-trace',
    );
    expect(packageOf('file:///r/node_modules/a/node_modules/pino/lib/proto.js', 'write')).toBe('pino');
    expect(packageOf('file:///r/packages/http/src/app.ts', 'handle')).toBe('@demo/http');
    expect(packageOf('node:internal/streams/writable', 'write')).toBe('node:internal');
    expect(packageOf('', '(garbage collector)')).toBe('(garbage collector)');
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
        {
          id: 2,
          callFrame: {
            functionName: 'startSpan',
            url: '/x/node_modules/@opentelemetry/sdk-trace/a.mjs',
            lineNumber: 9,
          },
        },
        { id: 3, callFrame: { functionName: 'handle', url: '/x/packages/http/src/app.ts', lineNumber: 0 } },
      ],
      samples: [3, 2, 1, 2, 3, 3],
      timeDeltas: [1000, 1000, 1000, 1000, 1000, 2000],
    };
    const summary = summarizeProfile(profile, { skipMs: 1.5 });
    expect(summary.busyMs).toBe(5);
    expect(summary.packages).toEqual([
      { name: '@demo/http', percent: 60 },
      { name: '@opentelemetry/sdk-trace', percent: 40 },
    ]);
    expect(summary.functions).toEqual([
      { name: '@opentelemetry/sdk-trace startSpan (a.mjs:10)', percent: 40 },
    ]);
  });

  it('parses --variant label:KEY=VALUE,KEY=VALUE', () => {
    expect(parseVariantSpec('no-logs:OTEL_LOGS_EXPORTER=none,LOG_LEVEL=warn')).toEqual({
      label: 'no-logs',
      env: { OTEL_LOGS_EXPORTER: 'none', LOG_LEVEL: 'warn' },
    });
    expect(parseVariantSpec('plain')).toEqual({ label: 'plain', env: {} });
    expect(() => parseVariantSpec('x:lower=1')).toThrow(/KEY=VALUE/);
    expect(() => parseVariantSpec('a b:X=1')).toThrow(/plain word/);
  });
});
