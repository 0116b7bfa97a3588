import { ensureInstalled } from './install.js';
import { startOtlpSink } from './otlp-sink.js';
import { HOW_TO_GET_SERVERS, resolveServers, SERVER_VARIABLES } from './resolve.js';

/**
 * The vitest global setup of every package and service: resolves real servers once per run
 * (environment, testcontainers, or local binaries) and hands their URLs to the test workers
 * and to the processes they spawn through the environment.
 */
export default async function setup(): Promise<() => Promise<void>> {
  // Every project names this setup; in one run the first resolves, the others reuse.
  if (SERVER_VARIABLES.every((name) => process.env[name]) && process.env.OTLP_SINK_URL) {
    return async () => {};
  }
  // The tools some suites run (promtool and Prometheus, kustomize, the nats CLI, schemathesis) are built here,
  // once and in one process, not by parallel test workers against their timeouts.
  await ensureTools();
  const sink = await startOtlpSink();
  const sinkPort = Number(new URL(sink.url).port);
  let servers: Awaited<ReturnType<typeof resolveServers>>;
  try {
    servers = await resolveServers({ url: sink.url, port: sinkPort });
  } catch (error) {
    await sink.close();
    throw error;
  }
  Object.assign(process.env, servers.env);
  process.env.OTLP_SINK_URL ??= sink.url;
  process.stderr.write(
    `[infra] servers from ${servers.source}: ${Object.entries(servers.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} OTLP_SINK_URL=${process.env.OTLP_SINK_URL}\n`,
  );
  return async () => {
    await servers.stop();
    await sink.close();
  };
}

async function ensureTools(): Promise<void> {
  try {
    await ensureInstalled(['nats', 'prometheus', 'kustomize', 'schemathesis']);
  } catch (error) {
    throw new Error(
      `the test tools (nats CLI, Prometheus/promtool, kustomize, schemathesis) could not be installed: ${(error as Error).message}\n${HOW_TO_GET_SERVERS}`,
    );
  }
}
