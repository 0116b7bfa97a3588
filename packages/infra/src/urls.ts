/**
 * Connection URLs composed from their parts. User and password are percent-encoded, every
 * character outside `A-Z a-z 0-9 - _ . ! ~ * ' ( )`, so a password such as `p@ss:w/rd%?#&` reaches
 * the server as it is: PostgreSQL's and MongoDB's drivers decode the user info of a URL.
 */

export interface ConnectionUrlParts {
  scheme: 'postgres' | 'postgresql' | 'mongodb';
  /** `host`, or for MongoDB a list `h1:27017,h2:27017` (then no `port`). */
  host: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  /** Query parameters (`authSource`, `replicaSet`, …), encoded too. */
  params?: Record<string, string>;
}

/** The user info of a URL: `user:password@`, each part percent-encoded; empty without a user. */
export function userInfo(user: string | undefined, password: string | undefined): string {
  if (!user) return '';
  const secret = password === undefined ? '' : `:${encodeURIComponent(password)}`;
  return `${encodeURIComponent(user)}${secret}@`;
}

export function connectionUrl(parts: ConnectionUrlParts): string {
  const port = parts.port === undefined ? '' : `:${parts.port}`;
  const query = new URLSearchParams(parts.params ?? {}).toString();
  return `${parts.scheme}://${userInfo(parts.user, parts.password)}${parts.host}${port}/${encodeURIComponent(parts.database ?? '')}${query ? `?${query}` : ''}`;
}

const URL_SHAPE = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?(.*)$/i;

/** `url` with its user info replaced by `user` and `password` (hosts, path and query kept as they are). */
export function withCredentials(url: string, user: string, password: string): string {
  const match = URL_SHAPE.exec(url);
  if (!match) throw new TypeError(`not a connection URL: ${url.replace(/\/\/[^@/]*@/, '//***@')}`);
  return `${match[1]}${userInfo(user, password)}${match[2]}`;
}

/** `url` without its user info (hosts, path and query kept as they are). */
export function withoutCredentials(url: string): string {
  const match = URL_SHAPE.exec(url);
  if (!match) throw new TypeError(`not a connection URL: ${url.replace(/\/\/[^@/]*@/, '//***@')}`);
  return `${match[1]}${match[2]}`;
}

/** `url` naming the database `database` instead of its own (user info, hosts and query kept). */
export function withDatabase(url: string, database: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)(?:\/[^?#]*)?(.*)$/i.exec(url);
  if (!match) throw new TypeError(`not a connection URL: ${url.replace(/\/\/[^@/]*@/, '//***@')}`);
  return `${match[1]}/${encodeURIComponent(database)}${match[2]}`;
}
