/**
 * A connection URL with a service's own credentials (from its Secret) put into its user info,
 * each part percent-encoded: a password such as `p@ss:w/rd%?#&` reaches the server as it is,
 * since the drivers decode the user info. The same rule as `@demo/infra`'s `connectionUrl`, on
 * the services' side (they do not depend on the infra package at run time).
 */
export function withCredentials(url: string, user: string, password?: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?(.*)$/i.exec(url);
  if (!match) throw new TypeError('not a connection URL');
  const secret = password === undefined ? '' : `:${encodeURIComponent(password)}`;
  return `${match[1]}${encodeURIComponent(user)}${secret}@${match[2]}`;
}
