import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerLikely, startContainers } from './containers.js';
import { ensureInstalled } from './install.js';
import { stackEnv, startStack, stopStack } from './stack.js';

export const SERVER_VARIABLES = [
  'NATS_URL',
  'DATABASE_URL',
  'MONGODB_URL',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
] as const;

export interface ResolvedServers {
  /** Where the servers came from. */
  source: 'environment' | 'testcontainers' | 'local';
  env: Record<string, string>;
  stop(): Promise<void>;
}

export const HOW_TO_GET_SERVERS = [
  'The tests need NATS with JetStream, PostgreSQL, a MongoDB-protocol server and an OpenTelemetry Collector. Any of:',
  '  - set NATS_URL, DATABASE_URL, MONGODB_URL and OTEL_EXPORTER_OTLP_ENDPOINT (and OTLP_SINK_URL for the telemetry tests);',
  '  - start a Docker engine: testcontainers then runs the official images;',
  '  - install Go 1.24+ and run `npm run infra -- install`: the pinned servers are built into the cache once.',
].join('\n');

/**
 * Finds servers for a test run, in this order: URLs given in the environment; testcontainers
 * where a Docker engine answers; else the local pinned binaries, installed on demand and
 * started on free loopback ports. `sinkPort`/`sinkUrl` is the OTLP receiver the collector
 * exports to. Throws, with what to do, when none can be had.
 */
export async function resolveServers(sink: { url: string; port: number }): Promise<ResolvedServers> {
  const given = Object.fromEntries(
    SERVER_VARIABLES.flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])),
  );
  if (Object.keys(given).length === SERVER_VARIABLES.length) {
    return { source: 'environment', env: given, stop: async () => {} };
  }
  const errors: string[] = [];
  if (dockerLikely()) {
    try {
      const containers = await startContainers(sink.port);
      return { source: 'testcontainers', env: { ...containers.env, ...given }, stop: containers.stop };
    } catch (error) {
      errors.push(`testcontainers: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'demo-test-servers-'));
  try {
    await ensureInstalled(['nats-server', 'nats', 'ferretdb', 'otelcol']);
    // Free ports are picked before the servers bind them: another process may take one in between.
    const stack = await startStack({ dir, ports: 'ephemeral', overlay: 'test', sinkUrl: sink.url }).catch(
      (error: unknown) => {
        process.stderr.write(
          `[infra] local servers did not start, trying again on other ports: ${String(error)}\n`,
        );
        return startStack({ dir: `${dir}/again`, ports: 'ephemeral', overlay: 'test', sinkUrl: sink.url });
      },
    );
    return {
      source: 'local',
      env: { ...stackEnv(stack), ...given },
      stop: async () => {
        await stopStack(stack);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    errors.push(`local servers: ${error instanceof Error ? error.message : String(error)}`);
  }
  throw new Error(`${HOW_TO_GET_SERVERS}\n\nWhat was tried:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
}
