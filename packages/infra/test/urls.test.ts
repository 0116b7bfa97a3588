import { describe, expect, it } from 'vitest';
import { connectionUrl, userInfo, withCredentials, withDatabase, withoutCredentials } from '../src/index.js';

const PASSWORD = 'p@ss:w/rd%?#&';

describe('connection URLs', () => {
  it('percent-encodes user and password so a driver decodes them back as they were', () => {
    const url = connectionUrl({
      scheme: 'postgres',
      host: '127.0.0.1',
      port: 5432,
      database: 'users',
      user: 'user_service',
      password: PASSWORD,
    });
    expect(url).toBe('postgres://user_service:p%40ss%3Aw%2Frd%25%3F%23%26@127.0.0.1:5432/users');
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.password)).toBe(PASSWORD);
    expect(parsed.hostname).toBe('127.0.0.1');
    expect(parsed.pathname).toBe('/users');
    expect(parsed.search).toBe('');
  });

  it('encodes query parameters and leaves a user without a password alone', () => {
    expect(
      connectionUrl({
        scheme: 'mongodb',
        host: 'm1:27017,m2:27017',
        database: 'orders',
        user: 'order service',
        password: 'a b',
        params: { authSource: 'orders', replicaSet: 'rs0' },
      }),
    ).toBe('mongodb://order%20service:a%20b@m1:27017,m2:27017/orders?authSource=orders&replicaSet=rs0');
    expect(connectionUrl({ scheme: 'mongodb', host: 'localhost', port: 27017 })).toBe(
      'mongodb://localhost:27017/',
    );
    expect(userInfo('u', undefined)).toBe('u@');
    expect(userInfo(undefined, 'secret')).toBe('');
  });

  it('replaces the credentials and the database of a URL and keeps the rest', () => {
    const admin = 'postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable';
    expect(withCredentials(admin, 'inventory_service', PASSWORD)).toBe(
      'postgres://inventory_service:p%40ss%3Aw%2Frd%25%3F%23%26@127.0.0.1:5432/postgres?sslmode=disable',
    );
    expect(withDatabase(admin, 'inventory')).toBe(
      'postgres://postgres:postgres@127.0.0.1:5432/inventory?sslmode=disable',
    );
    expect(withDatabase('mongodb://h1:1,h2:2', 'orders')).toBe('mongodb://h1:1,h2:2/orders');
    expect(withCredentials('mongodb://h1:1,h2:2/?authSource=orders', 'order_service', PASSWORD)).toBe(
      'mongodb://order_service:p%40ss%3Aw%2Frd%25%3F%23%26@h1:1,h2:2/?authSource=orders',
    );
    expect(() => withCredentials('not a url', 'u', 'p')).toThrow(TypeError);
  });

  it('takes the user info away and keeps hosts, path and query', () => {
    expect(withoutCredentials('mongodb://postgres:p%40ss@127.0.0.1:27017/?authMechanism=PLAIN')).toBe(
      'mongodb://127.0.0.1:27017/?authMechanism=PLAIN',
    );
    expect(withoutCredentials('mongodb://h1:1,h2:2/orders')).toBe('mongodb://h1:1,h2:2/orders');
    expect(() => withoutCredentials('not a url')).toThrow(TypeError);
  });
});
