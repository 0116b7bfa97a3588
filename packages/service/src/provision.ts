/**
 * The provisioning step: creates (or updates) every stream of the event catalog as the
 * provisioning identity, then exits. Run once before the services start where NATS has
 * authorization on (`npm run dev`, the compose service `nats-provision`, the Kubernetes Job
 * `nats-provision`): a service's own user may read stream configurations and manage its own
 * durable consumers, never create a stream.
 *
 *   NATS_URL=… NATS_USER=provisioner NATS_PASSWORD=… node dist/provision.js
 *
 * Exit code 0 when every stream exists as the catalog defines it; 1 otherwise (the reason logged).
 */
import { Bus, type ProvisionResult } from '@demo/bus';
import { streams } from '@demo/contracts';
import { createLogger, type Logger } from '@demo/telemetry';
import { z } from 'zod';
import { natsServers, parseEnv, provisionEnv } from './env.js';

export interface ProvisionOptions {
  servers: string[];
  user?: string | undefined;
  pass?: string | undefined;
  replicas: number;
  logger: Logger;
}

/** Connects, provisions every catalog stream with `replicas`, closes. */
export async function provisionStreams(options: ProvisionOptions): Promise<ProvisionResult[]> {
  const bus = await Bus.connect({
    name: 'nats-provision',
    servers: options.servers,
    user: options.user,
    pass: options.pass,
    logger: options.logger,
  });
  try {
    return await bus.provision(streams, { replicas: options.replicas });
  } finally {
    await bus.close();
  }
}

/** The reason a provisioning failed, with what to do where the server refused the identity. */
export function provisioningFailure(error: unknown, user: string | undefined): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (!/permission|authorization/i.test(message)) return error instanceof Error ? error : new Error(message);
  return new Error(
    `NATS refused ${user ?? 'the anonymous user'} (${message}): provision as the provisioner (NATS_USER=provisioner and its NATS_PASSWORD)`,
    { cause: error },
  );
}

async function main(): Promise<number> {
  const env = parseEnv(z.object(provisionEnv), process.env);
  const logger = createLogger({ service: 'nats-provision' }, { level: env.LOG_LEVEL });
  const results = await provisionStreams({
    servers: natsServers(env.NATS_URL),
    user: env.NATS_USER,
    pass: env.NATS_PASSWORD,
    replicas: env.NATS_STREAM_REPLICAS,
    logger,
  }).catch((error: unknown) => {
    throw provisioningFailure(error, env.NATS_USER);
  });
  logger.info(
    { streams: results.map((r) => `${r.stream}: ${r.outcome}`), user: env.NATS_USER ?? '(none)' },
    'streams provisioned',
  );
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`nats-provision: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
