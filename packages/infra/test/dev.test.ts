import { describe, expect, it } from 'vitest';
import { devCommand, onSignal, SAME_SIGNAL_MS, serviceDevCommands } from '../src/dev.js';
import { localPrometheusConfig } from '../src/local/prometheus.js';

describe('npm run dev', () => {
  it('runs each service dev script as one tsx process (no shell or npm to pass a signal twice)', () => {
    const commands = serviceDevCommands();
    expect(commands.map((c) => c.name)).toEqual(['inventory-service', 'order-service', 'user-service']);
    for (const c of commands) {
      expect(c.command).toMatch(/node_modules\/\.bin\/tsx$/);
      expect(c.args[0]).toBe('watch');
      expect(c.args.at(-1)).toBe('src/main.ts');
    }
  });

  it('refuses a dev script it would have to run through a shell', () => {
    expect(() => devCommand('x', '/x', 'npm run build && node dist/main.js')).toThrow(/plain `tsx/);
    expect(() => devCommand('x', '/x', 'tsx watch $FILE')).toThrow(/plain `tsx/);
  });

  it('one Ctrl-C seen twice stops once; a later one kills', () => {
    expect(onSignal(1_000, undefined)).toBe('stop');
    expect(onSignal(1_000 + SAME_SIGNAL_MS - 1, 1_000)).toBe('ignore');
    expect(onSignal(1_000 + SAME_SIGNAL_MS + 1, 1_000)).toBe('kill');
  });
});

describe('the local Prometheus configuration', () => {
  it('is otel/prometheus.yml with loopback scrape targets', () => {
    const source = "  - targets: ['localhost:9090']\n  - targets: ['otel-collector:8888']\n";
    expect(localPrometheusConfig(source, 9090, '127.0.0.1:41234')).toBe(
      "  - targets: ['127.0.0.1:9090']\n  - targets: ['127.0.0.1:41234']\n",
    );
  });
});
