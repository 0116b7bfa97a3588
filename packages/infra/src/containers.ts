import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { otelDir } from './paths.js';
import { connectionUrl } from './urls.js';

/** Images of the same versions as the local binaries (scripts/infra/versions.env) and compose. */
export const IMAGES = {
  nats: 'nats:2.15.2-alpine',
  postgres: 'postgres:18.4-alpine',
  mongo: 'mongo:7.0',
  collector: 'otel/opentelemetry-collector-contrib:0.165.0',
} as const;

/** True where a Docker engine is likely reachable; testcontainers then confirms it. */
export function dockerLikely(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

export interface ContainerStack {
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts the official images with testcontainers; the collector exports to `sinkPort` on the host. */
export async function startContainers(sinkPort: number): Promise<ContainerStack> {
  const { GenericContainer, TestContainers, Wait } = await import('testcontainers');
  await TestContainers.exposeHostPorts(sinkPort);
  const started: StartedTestContainer[] = [];
  try {
    const [nats, postgres, mongo, collector] = await Promise.all([
      new GenericContainer(IMAGES.nats)
        .withCommand(['-js', '-sd', '/data'])
        .withExposedPorts(4222)
        .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
        .start(),
      new GenericContainer(IMAGES.postgres)
        .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start(),
      new GenericContainer(IMAGES.mongo)
        .withExposedPorts(27017)
        .withWaitStrategy(Wait.forListeningPorts())
        .start(),
      new GenericContainer(IMAGES.collector)
        .withCopyFilesToContainer([
          { source: join(otelDir, 'collector.yaml'), target: '/etc/otelcol/collector.yaml' },
          { source: join(otelDir, 'collector.test.yaml'), target: '/etc/otelcol/collector.test.yaml' },
        ])
        .withCommand(['--config=/etc/otelcol/collector.yaml', '--config=/etc/otelcol/collector.test.yaml'])
        .withEnvironment({
          COLLECTOR_BATCH_TIMEOUT: '200ms',
          TEMPO_OTLP_ENDPOINT: `http://host.testcontainers.internal:${sinkPort}/tempo`,
          LOKI_OTLP_ENDPOINT: `http://host.testcontainers.internal:${sinkPort}/loki`,
          PROMETHEUS_OTLP_ENDPOINT: `http://host.testcontainers.internal:${sinkPort}/prometheus`,
        })
        .withExposedPorts(4318, 13133)
        .withWaitStrategy(Wait.forHttp('/', 13133))
        .start(),
    ]);
    started.push(nats, postgres, mongo, collector);
    const at = (c: StartedTestContainer, port: number) => `${c.getHost()}:${c.getMappedPort(port)}`;
    return {
      env: {
        NATS_URL: `nats://${at(nats, 4222)}`,
        DATABASE_URL: connectionUrl({
          scheme: 'postgres',
          host: postgres.getHost(),
          port: postgres.getMappedPort(5432),
          database: 'postgres',
          user: 'postgres',
          password: 'postgres',
        }),
        MONGODB_URL: `mongodb://${at(mongo, 27017)}/`,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://${at(collector, 4318)}`,
      },
      stop: async () => {
        await Promise.all(started.map((c) => c.stop()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((c) => c.stop()));
    throw error;
  }
}
