/**
 * The NATS passwords of `npm run infra -- up`: one random password per identity of
 * deploy/nats/auth.conf, made at the first start and kept in `.infra/nats/credentials.json`
 * (git-ignored, readable by its owner only), so that a restart, `npm run dev`, `npm run nats` and
 * `npm run bus` all use the same ones.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BUS_ROLES, PROVISIONER, passwordVariable } from '../nats-auth.js';

/** Identity → password (`provisioner`, `user-service`, …). */
export type NatsCredentials = Record<string, string>;

const Stored = z.record(z.string(), z.string().min(16));

/** Every identity of the authorization block: the provisioner, then each service's user. */
export const natsIdentities = (): string[] => [PROVISIONER, ...BUS_ROLES.map((r) => r.service)];

export const credentialsFile = (natsDir: string) => join(natsDir, 'credentials.json');

/** Fresh random passwords for `identities`. */
export function newCredentials(identities: readonly string[] = natsIdentities()): NatsCredentials {
  return Object.fromEntries(identities.map((id) => [id, randomBytes(18).toString('base64url')]));
}

/** The stored passwords, if the file exists and names every identity; otherwise undefined. */
export function readCredentials(natsDir: string): NatsCredentials | undefined {
  const file = credentialsFile(natsDir);
  if (!existsSync(file)) return undefined;
  const parsed = Stored.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) return undefined;
  return natsIdentities().every((id) => parsed.data[id] !== undefined) ? parsed.data : undefined;
}

/** The stored passwords, made (and stored, mode 0600) the first time. */
export function ensureCredentials(natsDir: string): NatsCredentials {
  const existing = readCredentials(natsDir);
  if (existing) return existing;
  mkdirSync(natsDir, { recursive: true });
  const made = newCredentials();
  writeFileSync(credentialsFile(natsDir), `${JSON.stringify(made, null, 2)}\n`, { mode: 0o600 });
  return made;
}

/** What nats-server needs: each identity's password under its variable (`NATS_ORDER_SERVICE_PASSWORD`). */
export function passwordEnv(credentials: NatsCredentials): Record<string, string> {
  return Object.fromEntries(Object.entries(credentials).map(([id, pass]) => [passwordVariable(id), pass]));
}
