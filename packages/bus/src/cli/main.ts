/**
 * npm run bus -- dlq list [--subject S] [--reason R] [--json]
 *              | dlq show <seq>
 *              | dlq replay <seq> | dlq replay --all [--subject S] [--reason R]
 *              | dlq drop <seq>
 *              | tail <subject…> [--count N] [--timeout-ms T]
 *
 * Connection: NATS_URL (default nats://127.0.0.1:4222), NATS_USER/NATS_PASSWORD (the `provisioner` user where authorization is on) or NATS_TOKEN or
 * NATS_CREDS; the dead-letter stream: --stream (default DLQ).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { credsAuthenticator, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { z } from 'zod';
import { headerRecord } from '../wire.js';
import { DeadLetterStream, type DeadLetterSummary } from './dlq.js';
import { tail } from './tail.js';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const Env = z.object({
  NATS_URL: z.preprocess(blank, z.string().default('nats://127.0.0.1:4222')),
  NATS_USER: z.preprocess(blank, z.string().optional()),
  NATS_PASSWORD: z.preprocess(blank, z.string().optional()),
  NATS_TOKEN: z.preprocess(blank, z.string().optional()),
  NATS_CREDS: z.preprocess(blank, z.string().optional()),
});

const USAGE = `usage: npm run bus -- dlq list [--subject S] [--reason R] [--json]
       npm run bus -- dlq show <seq>
       npm run bus -- dlq replay <seq> | dlq replay --all [--subject S] [--reason R]
       npm run bus -- dlq drop <seq>
       npm run bus -- tail <subject…> [--count N] [--timeout-ms T]`;

class UsageError extends Error {}

function age(time: Date, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - time.getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7_200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3_600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

function row(d: DeadLetterSummary): string {
  const error = d.error.length > 60 ? `${d.error.slice(0, 59)}…` : d.error;
  return [
    String(d.seq).padStart(6),
    d.subject.padEnd(22),
    d.reason.padEnd(19),
    d.consumer.padEnd(36),
    String(d.deliveryCount).padStart(3),
    age(d.time).padStart(5),
    error,
  ].join('  ');
}

function seqArg(value: string | undefined): number {
  const seq = Number(value);
  if (!Number.isInteger(seq) || seq <= 0)
    throw new UsageError(`a dead-letter sequence number is needed, got ${value ?? 'nothing'}`);
  return seq;
}

async function connectNats(): Promise<NatsConnection> {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success)
    throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const env = parsed.data;
  return connect({
    servers: env.NATS_URL.split(','),
    name: 'bus-cli',
    user: env.NATS_USER,
    pass: env.NATS_PASSWORD,
    token: env.NATS_TOKEN,
    authenticator: env.NATS_CREDS ? credsAuthenticator(readFileSync(env.NATS_CREDS)) : undefined,
    maxReconnectAttempts: 0,
  }).catch((error: unknown) => {
    throw new Error(
      `cannot connect to NATS at ${env.NATS_URL} (set NATS_URL): ${error instanceof Error ? error.message : String(error)}`,
    );
  });
}

async function dlq(args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      subject: { type: 'string' },
      reason: { type: 'string' },
      all: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      stream: { type: 'string', default: 'DLQ' },
    },
  });
  const [command, target] = positionals;
  if (!command) throw new UsageError('dlq needs a command: list, show, replay or drop');
  if (!['list', 'show', 'replay', 'drop'].includes(command))
    throw new UsageError(`unknown dlq command ${command}`);
  // Arguments are checked before anything connects.
  const seq = command === 'list' || (command === 'replay' && values.all) ? 0 : seqArg(target);
  if (command === 'replay' && !values.all && (values.subject || values.reason)) {
    throw new UsageError('--subject and --reason go with --all');
  }
  const nc = await connectNats();
  try {
    const stream = await DeadLetterStream.open(nc, values.stream);
    const filter = { subject: values.subject, reason: values.reason };
    switch (command) {
      case 'list': {
        const letters = await stream.list(filter);
        if (values.json) {
          for (const d of letters) out(JSON.stringify(d));
          return 0;
        }
        out(
          [
            '   seq',
            'subject'.padEnd(22),
            'reason'.padEnd(19),
            'consumer'.padEnd(36),
            'del',
            '  age',
            'error',
          ].join('  '),
        );
        for (const d of letters) out(row(d));
        out(`${letters.length} dead letter(s) in ${values.stream}`);
        return 0;
      }
      case 'show': {
        const msg = await stream.get(seq);
        if (!msg) {
          out(`no dead letter at sequence ${target} of ${values.stream}`);
          return 1;
        }
        const body = await stream.originalBody(msg).catch((error: unknown) => {
          out(`(${error instanceof Error ? error.message : String(error)}; showing the excerpt)`);
          return msg.data;
        });
        out(
          JSON.stringify(
            { seq: msg.seq, subject: msg.subject, time: msg.time, headers: headerRecord(msg.header) },
            null,
            2,
          ),
        );
        out(new TextDecoder().decode(body));
        return 0;
      }
      case 'replay': {
        const seqs = values.all ? (await stream.list(filter)).map((d) => d.seq) : [seq];
        let failed = 0;
        for (const one of seqs) {
          try {
            const r = await stream.replay(one);
            out(
              `replayed ${one} to ${r.summary.subject} as ${r.id}: ${r.duplicate ? 'duplicate (already replayed), nothing published' : `stream sequence ${r.seq}`}`,
            );
          } catch (error) {
            failed += 1;
            out(`replay of ${one} failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        if (values.all) out(`${seqs.length - failed} of ${seqs.length} replayed`);
        return failed > 0 ? 1 : 0;
      }
      case 'drop': {
        const dropped = await stream.drop(seq);
        out(dropped ? `dropped ${seq}` : `no dead letter at sequence ${seq}`);
        return dropped ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown dlq command ${command}`);
    }
  } finally {
    await nc.close();
  }
}

async function tailCommand(args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { count: { type: 'string' }, 'timeout-ms': { type: 'string' } },
  });
  if (positionals.length === 0) throw new UsageError('tail needs at least one subject, e.g. orders.>');
  const nc = await connectNats();
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  try {
    await tail(nc, positionals, out, {
      count: values.count ? Number(values.count) : undefined,
      timeoutMs: values['timeout-ms'] ? Number(values['timeout-ms']) : undefined,
      signal: abort.signal,
      onReady: () => process.stderr.write(`tailing ${positionals.join(' ')}\n`),
    });
    return 0;
  } finally {
    await nc.close();
  }
}

export async function main(
  argv: string[],
  out: (line: string) => void = (l) => console.log(l),
): Promise<number> {
  const [group, ...rest] = argv;
  try {
    if (group === 'dlq') return await dlq(rest, out);
    if (group === 'tail') return await tailCommand(rest, out);
    throw new UsageError(group ? `unknown command ${group}` : 'a command is needed');
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`bus: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
