import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { otlpSink, repoRoot, testServers } from '@demo/infra';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/index.js';
import { captureLogger, connectBus, eventually, readStream, suiteContracts } from './helpers.js';

const run = promisify(execFile);

/** `npm run bus -- …` as a process (the npm script's command line, without npm in between). */
const CLI = [
  '--import',
  'tsx',
  '--conditions=@demo/source',
  '--import',
  '@demo/telemetry/register',
  'packages/bus/src/cli/main.ts',
];

function cliEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NATS_URL: testServers().natsUrl,
    OTEL_SERVICE_NAME: 'bus-cli',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
}

async function bus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...args], {
      cwd: repoRoot,
      env: cliEnv(),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run bus -- dlq | tail', () => {
  const c = suiteContracts();
  let app: Bus;
  let broken = true;
  const applied = new Map<string, number>();

  beforeAll(async () => {
    app = await connectBus('cli-test', captureLogger());
    await app.provision([c.stream, c.dlq]);
    await app.subscribe(
      c.OtherThing,
      (data) => {
        if (broken) throw new Error('the database is on fire\nsecond line');
        applied.set(data.thingId, (applied.get(data.thingId) ?? 0) + 1);
      },
      { durable: 'cli-app', maxDeliver: 1 },
    );
  });
  afterAll(async () => {
    await app.close(1_000);
    const jsm = await jetstreamManager((await connectBus('cleanup')).nc);
    await jsm.streams.delete(c.stream.name);
    await jsm.streams.delete(c.dlq.name);
  });

  it('lists, shows, replays once (a second replay is deduplicated) and drops dead letters', async () => {
    const thingId = crypto.randomUUID();
    const originalTrace = 'c'.repeat(32);
    const ack = await app.publish(
      c.OtherThing,
      { thingId },
      { headers: { traceparent: `00-${originalTrace}-${'d'.repeat(16)}-01` } },
    );
    await readStream(app, c.dlq.name, 1, 10_000);
    await app.publish(c.OtherThing, { thingId: crypto.randomUUID() });
    await eventually(
      'two dead letters',
      async () => (await jetstreamManager(app.nc)).streams.info(c.dlq.name),
      (i) => i.state.messages === 2,
    );

    const list = await bus('dlq', 'list', '--stream', c.dlq.name, '--json');
    expect(list.code, list.stderr).toBe(0);
    const letters = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({
      subject: c.OtherThing.subject,
      reason: 'handler_failed',
      error: 'the database is on fire\\nsecond line',
      consumer: 'cli-app',
      deliveryCount: 1,
      stream: c.stream.name,
      streamSequence: ack.seq,
      eventId: ack.id,
    });
    const seq = String(letters[0]!.seq);
    const table = await bus('dlq', 'list', '--stream', c.dlq.name);
    expect(table.stdout).toMatch(/handler_failed/);
    expect(table.stdout).toMatch(/2 dead letter\(s\)/);
    const filtered = await bus('dlq', 'list', '--stream', c.dlq.name, '--json', '--reason', 'unparseable');
    expect(filtered.stdout.trim()).toBe('');

    const show = await bus('dlq', 'show', seq, '--stream', c.dlq.name);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(thingId);
    expect(show.stdout).toContain('"dlq-reason": "handler_failed"');

    broken = false; // the cause is fixed
    const first = await bus('dlq', 'replay', seq, '--stream', c.dlq.name);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/stream sequence \d+/);
    await eventually(
      'replay applied',
      () => applied.get(thingId) ?? 0,
      (n) => n === 1,
    );
    const second = await bus('dlq', 'replay', seq, '--stream', c.dlq.name);
    expect(second.stdout).toMatch(/duplicate/);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(applied.get(thingId)).toBe(1);

    // The replay span starts its own trace, linked to the original's.
    const sink = otlpSink().forService('bus-cli');
    const spans = await sink.waitFor(
      'the replay span',
      () => sink.spans(),
      (s) =>
        s.some(
          (x) => x.name === `replay ${c.OtherThing.subject}` && x.attributes['dlq.sequence'] === Number(seq),
        ),
    );
    const replaySpan = spans.find((x) => x.name === `replay ${c.OtherThing.subject}`)!;
    expect(replaySpan.resource['service.name']).toBe('bus-cli');
    expect(replaySpan.attributes['dlq.original.trace_id']).toBe(originalTrace);
    expect(replaySpan.traceId).not.toBe(originalTrace);

    const all = await bus('dlq', 'replay', '--all', '--stream', c.dlq.name, '--subject', `${c.prefix}.>`);
    expect(all.stdout).toMatch(/2 of 2 replayed/);
    await eventually(
      'the other one applied too',
      () => applied.size,
      (n) => n === 2,
    );

    const drop = await bus('dlq', 'drop', seq, '--stream', c.dlq.name);
    expect(drop.stdout).toBe(`dropped ${seq}\n`);
    const after = await bus('dlq', 'list', '--stream', c.dlq.name, '--json');
    expect(after.stdout.trim().split('\n')).toHaveLength(1);
    expect((await bus('dlq', 'show', seq, '--stream', c.dlq.name)).code).toBe(1);
    expect((await bus('dlq', 'replay')).code).toBe(2);
  }, 180_000);

  it('tails live events, one line each with the trace id', async () => {
    const child = spawn(
      process.execPath,
      [...CLI, 'tail', `${c.prefix}.>`, '--count', '2', '--timeout-ms', '20000'],
      {
        cwd: repoRoot,
        env: cliEnv(),
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    await eventually(
      'tail ready',
      () => err,
      (e) => e.includes('tailing'),
      20_000,
    );
    const a = await app.publish(
      c.OtherThing,
      { thingId: crypto.randomUUID() },
      { headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` } },
    );
    await app.publish(c.OtherThing, { thingId: crypto.randomUUID() });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`${c.OtherThing.subject} id=${a.id} trace=`);
    expect(lines[0]).toMatch(/trace=[0-9a-f]{32} /);
  });
});
