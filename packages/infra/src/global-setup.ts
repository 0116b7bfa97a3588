import { startOtlpSink } from './otlp-sink.js';
import { resolveServers } from './resolve.js';

/**
 * The vitest global setup of every package and service: resolves real servers once per run
 * (environment, testcontainers, or local binaries) and hands their URLs to the test workers
 * and to the processes they spawn through the environment.
 */
export default async function setup(): Promise<() => Promise<void>> {
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
