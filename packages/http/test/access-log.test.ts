import { describe, expect, it } from 'vitest';
import { accessLogLevel, DEFAULT_SLOW_REQUEST_MS } from '../src/index.js';

describe('accessLogLevel', () => {
  it('writes a quick success at debug', () => {
    expect(accessLogLevel({ status: 200, durationMs: 3 })).toBe('debug');
    expect(accessLogLevel({ status: 304, durationMs: 3 })).toBe('debug');
  });

  it('writes client and server errors at info', () => {
    expect(accessLogLevel({ status: 404, durationMs: 1 })).toBe('info');
    expect(accessLogLevel({ status: 503, durationMs: 1 })).toBe('info');
  });

  it('writes a slow request at info, at the default threshold or the one given', () => {
    expect(accessLogLevel({ status: 200, durationMs: DEFAULT_SLOW_REQUEST_MS })).toBe('info');
    expect(accessLogLevel({ status: 200, durationMs: DEFAULT_SLOW_REQUEST_MS - 1 })).toBe('debug');
    expect(accessLogLevel({ status: 201, durationMs: 250 }, { slowMs: 250 })).toBe('info');
  });
});
