import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { otlpSink, type ReceivedMetric, testServers } from '../src/index.js';

describe('OpenTelemetry Collector (smoke)', () => {
  it('receives an OTLP trace and exports it, with span metrics derived from it', async () => {
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const now = BigInt(Date.now()) * 1_000_000n;
    const serviceName = `smoke-${traceId.slice(0, 8)}`;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
          scopeSpans: [
            {
              scope: { name: 'smoke' },
              spans: [
                {
                  traceId,
                  spanId,
                  name: 'smoke span',
                  kind: 2,
                  startTimeUnixNano: String(now - 5_000_000n),
                  endTimeUnixNano: String(now),
                  attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }],
                },
              ],
            },
          ],
        },
      ],
    };
    const response = await fetch(`${testServers().otlpEndpoint}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);

    const sink = otlpSink().forService(serviceName);
    const spans = await sink.waitFor(
      `span ${spanId} at the trace backend`,
      () => sink.spans(),
      (all) => all.some((s) => s.spanId === spanId),
    );
    const span = spans.find((s) => s.spanId === spanId);
    expect(span).toMatchObject({ traceId, name: 'smoke span', kind: 2 });
    expect(span?.resource['service.name']).toBe(serviceName);
    expect(span?.resource['deployment.environment.name']).toBeTypeOf('string');

    // The connector counts calls per series; a new series may first be flushed at 0.
    const isSmokeCall = (m: ReceivedMetric) =>
      m.name === 'traces.span.metrics.calls' && m.resource['service.name'] === serviceName;
    const metrics = await sink.waitFor(
      'span metrics counting the smoke span',
      () => sink.metrics(),
      (all) => all.some((m) => isSmokeCall(m) && m.dataPoints.some((p) => p.value === 1)),
    );
    const point = metrics
      .filter(isSmokeCall)
      .flatMap((m) => m.dataPoints)
      .find((p) => p.value === 1);
    expect(point?.attributes).toMatchObject({ 'span.name': 'smoke span', 'http.request.method': 'GET' });
  });
});
