import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { binaries, otelDir } from '../paths.js';
import { freePort } from '../ports.js';
import { probeHttp } from '../probes.js';
import { spawnDaemon, waitUntil } from '../process.js';
import type { LaunchOptions, ServerRecord } from './types.js';

export interface JaegerOptions extends LaunchOptions {
  /** Port of its OTLP/HTTP receiver (the collector's TEMPO_OTLP_ENDPOINT points here). */
  otlpPort: number;
}

/** Jaeger v2 with in-memory storage (otel/jaeger.local.yaml): the trace UI on `port`. */
export async function startJaeger({ dir, port, otlpPort }: JaegerOptions): Promise<ServerRecord> {
  mkdirSync(dir, { recursive: true });
  const [healthPort, grpcPort] = [await freePort(), await freePort()];
  const logFile = join(dir, 'jaeger.log');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JAEGER_UI_ENDPOINT: `127.0.0.1:${port}`,
    JAEGER_OTLP_HTTP_ENDPOINT: `127.0.0.1:${otlpPort}`,
    JAEGER_HEALTH_ENDPOINT: `127.0.0.1:${healthPort}`,
    JAEGER_QUERY_GRPC_ENDPOINT: `127.0.0.1:${grpcPort}`,
  };
  const pid = spawnDaemon(binaries().jaeger, ['--config', join(otelDir, 'jaeger.local.yaml')], {
    logFile,
    env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(`Jaeger UI on ${url} (log: ${logFile})`, () => probeHttp(`${url}/`), 60_000);
  return {
    name: 'jaeger',
    url,
    pid,
    logFile,
    extra: { otlp: `http://127.0.0.1:${otlpPort}`, health: `http://127.0.0.1:${healthPort}/status` },
  };
}
