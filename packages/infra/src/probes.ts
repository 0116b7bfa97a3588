import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MongoClient } from 'mongodb';
import pg from 'pg';

/** Connects, checks that JetStream is enabled, and returns the server version. */
export async function probeNats(
  url: string,
  auth: { user: string; pass: string } = { user: '', pass: '' },
): Promise<string> {
  const nc = await connect({
    servers: url,
    timeout: 2_000,
    reconnect: false,
    ...(auth.user ? { user: auth.user, pass: auth.pass } : {}),
  });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 2_000 });
    await jsm.getAccountInfo();
    return `JetStream enabled, server ${nc.info?.version ?? 'unknown'}`;
  } finally {
    await nc.close();
  }
}

export async function probePostgres(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    const result = await client.query<{ version: string }>('select version() as version');
    return result.rows[0]?.version.split(' ').slice(0, 2).join(' ') ?? 'PostgreSQL';
  } finally {
    await client.end();
  }
}

export async function probeMongo(url: string): Promise<string> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 2_000, connectTimeoutMS: 2_000 });
  try {
    await client.connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    return `MongoDB wire protocol, reports ${String(info.version)}`;
  } finally {
    await client.close();
  }
}

/** The collector's health_check extension answers 200 once its pipelines run. */
export async function probeHttp(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return `HTTP ${response.status}`;
}
