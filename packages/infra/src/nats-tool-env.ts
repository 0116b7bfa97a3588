/**
 * Where the project's tools (`npm run nats`, `npm run bus`) connect, and as whom: NATS_URL and
 * the caller's NATS_USER/NATS_PASSWORD (or NATS_CREDS, NATS_CONTEXT) when given; otherwise the
 * server of `npm run infra -- up` as the `provisioner`, whose password that stack keeps in
 * `.infra/nats/credentials.json`.
 */
import { join } from 'node:path';
import { readCredentials } from './local/nats-credentials.js';
import { PROVISIONER } from './nats-auth.js';
import { stateDir } from './paths.js';
import { readStack, stackEnv } from './stack.js';

export interface ToolEnv {
  url: string;
  /** NATS_USER and NATS_PASSWORD to add, or nothing (the caller said who it is, or no authorization). */
  auth: Record<string, string>;
}

export function localToolEnv(env: NodeJS.ProcessEnv, dir = stateDir): ToolEnv {
  if (env.NATS_URL) return { url: env.NATS_URL, auth: {} };
  const stack = readStack(dir);
  const url = (stack && stackEnv(stack).NATS_URL) || 'nats://127.0.0.1:4222';
  const named = env.NATS_USER || env.NATS_CREDS || env.NATS_CONTEXT;
  const secured = stack?.servers.some((s) => s.name === 'nats' && s.extra.authorization !== undefined);
  const pass = secured && !named ? readCredentials(join(dir, 'nats'))?.[PROVISIONER] : undefined;
  return { url, auth: pass === undefined ? {} : { NATS_USER: PROVISIONER, NATS_PASSWORD: pass } };
}
