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
});
