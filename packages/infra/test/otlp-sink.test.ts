import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpSink, OtlpSinkClient, startOtlpSink } from '../src/index.js';

const resource = (service: string) => ({
  attributes: [{ key: 'service.name', value: { stringValue: service } }],
});
const metricsOf = (service: string, name: string) => ({
  resourceMetrics: [
    {
      resource: resource(service),
      scopeMetrics: [{ metrics: [{ name, gauge: { dataPoints: [{ asInt: '1', attributes: [] }] } }] }],
    },
  ],
});

describe('the OTLP test receiver', () => {
  let sink: OtlpSink;
  beforeAll(async () => {
    sink = await startOtlpSink();
    for (const body of [
      metricsOf('inventory-service', 'demo.stock.available'),
      metricsOf('order-service', 'demo.orders'),
      {
        resourceMetrics: [
          metricsOf('order-service', 'demo.orders.mixed').resourceMetrics[0],
          metricsOf('inventory-service', 'demo.reservations').resourceMetrics[0],
        ],
      },
    ]) {
      const response = await fetch(`${sink.url}/prometheus/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
    }
  });
  afterAll(async () => {
    await sink?.close();
  });

  it('answers everything it received, or only what one service.name exported', async () => {
    const all = await new OtlpSinkClient(sink.url).metrics();
    expect(all.map((m) => m.name).sort()).toEqual([
      'demo.orders',
      'demo.orders.mixed',
      'demo.reservations',
      'demo.stock.available',
    ]);
    const inventory = await new OtlpSinkClient(sink.url).forService('inventory-service').metrics();
    expect(inventory.map((m) => m.name).sort()).toEqual(['demo.reservations', 'demo.stock.available']);
    expect(inventory.every((m) => m.resource['service.name'] === 'inventory-service')).toBe(true);
    expect(await new OtlpSinkClient(sink.url).forService('nobody').metrics()).toEqual([]);
  });

  it('answers the spans and log records of one trace, per service or across services', async () => {
    const span = (traceId: string, name: string) => ({ traceId, spanId: name.padEnd(16, '0'), name });
    const resource = (service: string) => ({
      attributes: [{ key: 'service.name', value: { stringValue: service } }],
    });
    const traces = {
      resourceSpans: [
        {
          resource: resource('order-service'),
          scopeSpans: [{ spans: [span('a'.repeat(32), 'one'), span('b'.repeat(32), 'two')] }],
        },
        { resource: resource('inventory-service'), scopeSpans: [{ spans: [span('a'.repeat(32), 'three')] }] },
      ],
    };
    const logs = {
      resourceLogs: [
        {
          resource: resource('order-service'),
          scopeLogs: [{ logRecords: [{ traceId: 'a'.repeat(32), body: { stringValue: 'hi' } }] }],
        },
      ],
    };
    for (const [path, body] of [
      ['tempo/v1/traces', traces],
      ['loki/v1/logs', logs],
    ] as const) {
      const response = await fetch(`${sink.url}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
    }
    const client = new OtlpSinkClient(sink.url);
    expect((await client.forTrace('a'.repeat(32)).spans()).map((s) => s.name).sort()).toEqual([
      'one',
      'three',
    ]);
    expect(
      (await client.forTrace('a'.repeat(32)).forService('order-service').spans()).map((s) => s.name),
    ).toEqual(['one']);
    expect((await client.forTrace('a'.repeat(32)).logs()).map((l) => l.body)).toEqual(['hi']);
    expect(await client.forTrace('c'.repeat(32)).spans()).toEqual([]);
    expect((await client.spans()).map((s) => s.name).sort()).toEqual(['one', 'three', 'two']);
  });

  it('refuses what is not OTLP/JSON, and keeps answering', async () => {
    const bad = await fetch(`${sink.url}/tempo/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'null',
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${sink.url}/received/traces`)).status).toBe(200);
  });
});
