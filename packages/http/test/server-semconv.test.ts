import { describe, expect, it } from 'vitest';
import {
  normalizeMethod,
  parseHost,
  redactQuery,
  serverErrorType,
  serverMetricAttributes,
  serverRequestAttributes,
} from '../src/server-semconv.js';

const request = {
  method: 'GET',
  url: '/api/users/42?limit=10&sig=secret',
  httpVersion: '1.1',
  headers: { host: 'user-service:8000', 'user-agent': 'curl/8' },
  socket: { remoteAddress: '10.0.0.7', remotePort: 51234 },
};

describe('server semantic conventions', () => {
  it('reads the request attributes without parsing a URL', () => {
    expect(serverRequestAttributes(request)).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': '/api/users/42',
      'url.query': 'limit=10&sig=REDACTED',
      'network.protocol.version': '1.1',
      'server.address': 'user-service',
      'server.port': 8000,
      'client.address': '10.0.0.7',
      'network.peer.address': '10.0.0.7',
      'network.peer.port': 51234,
      'user_agent.original': 'curl/8',
    });
  });

  it('takes the client from X-Forwarded-For, and names an unknown method _OTHER', () => {
    const attributes = serverRequestAttributes({
      ...request,
      method: 'PURGE',
      url: '/',
      headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' },
    });
    expect(attributes).toMatchObject({
      'http.request.method': '_OTHER',
      'http.request.method_original': 'PURGE',
      'client.address': '203.0.113.9',
      'network.peer.address': '10.0.0.7',
      'url.path': '/',
    });
    expect(attributes).not.toHaveProperty('url.query');
    expect(attributes).not.toHaveProperty('server.address');
  });

  it('normalizes methods and parses Host headers', () => {
    expect(normalizeMethod('get')).toBe('GET');
    expect(normalizeMethod(undefined)).toBe('GET');
    expect(parseHost('[::1]:8080')).toEqual({ address: '::1', port: 8080 });
    expect(parseHost('[::1]')).toEqual({ address: '::1', port: undefined });
    expect(parseHost('example.com')).toEqual({ address: 'example.com', port: undefined });
    expect(parseHost('example.com:x')).toEqual({ address: 'example.com', port: undefined });
    expect(redactQuery('a=1&X-Goog-Signature=abc')).toBe('a=1&X-Goog-Signature=REDACTED');
  });

  it('sets error.type for a 5xx and a response that did not go out, not for a 4xx', () => {
    expect(serverErrorType({ status: 503, completed: true, route: undefined })).toBe('503');
    expect(serverErrorType({ status: 404, completed: true, route: undefined })).toBeUndefined();
    expect(serverErrorType({ status: undefined, completed: false, route: undefined })).toBe('aborted');
    expect(serverErrorType({ status: 200, completed: false, route: undefined })).toBe('aborted');
  });

  it('keeps the metric to bounded attributes: no path, no address', () => {
    const attributes = serverMetricAttributes(serverRequestAttributes(request), {
      status: 500,
      completed: true,
      route: '/api/users/:id',
    });
    expect(attributes).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
      'http.route': '/api/users/:id',
      'http.response.status_code': 500,
      'error.type': '500',
    });
  });
});
