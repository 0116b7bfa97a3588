import { describe, expect, it } from 'vitest';
import { withCredentials } from '../src/index.js';

describe('withCredentials', () => {
  it('puts user and password into the URL percent-encoded, replacing what was there', () => {
    const url = withCredentials(
      'postgres://old:secret@postgres:5432/users?sslmode=require',
      'user_service',
      'p@ss:w/rd%?#&',
    );
    expect(url).toBe(
      'postgres://user_service:p%40ss%3Aw%2Frd%25%3F%23%26@postgres:5432/users?sslmode=require',
    );
    expect(decodeURIComponent(new URL(url).password)).toBe('p@ss:w/rd%?#&');
    expect(withCredentials('postgres://postgres:5432/users', 'u')).toBe('postgres://u@postgres:5432/users');
    expect(() => withCredentials('postgres:users', 'u', 'p')).toThrow(TypeError);
  });
});
