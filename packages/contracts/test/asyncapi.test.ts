import { readFile } from 'node:fs/promises';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { buildAsyncApiDocument, catalog, renderAsyncApiDocument, topology } from '../src/index.js';

const checkedIn = new URL('../../../docs/asyncapi.json', import.meta.url);

describe('AsyncAPI document', () => {
  it('is accepted by @asyncapi/parser with no errors', async () => {
    const { document, diagnostics } = await new Parser().parse(renderAsyncApiDocument());
    const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
    expect(errors.map((d) => `${d.path.join('/')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');

    const addresses = document!
      .channels()
      .all()
      .map((channel) => channel.address());
    expect(addresses.sort()).toEqual(
      [...new Set(catalog.map((event) => event.subject)), 'dlq.{subject}'].sort(),
    );

    const sends = document!
      .operations()
      .filterBySend()
      .map((operation) => operation.id());
    const receives = document!
      .operations()
      .filterByReceive()
      .map((operation) => operation.id());
    for (const { event, producer, consumers } of topology) {
      expect(sends).toContain(`${producer}.send.${event.subject}`);
      for (const { service } of consumers) expect(receives).toContain(`${service}.receive.${event.subject}`);
    }
    expect(receives).toHaveLength(topology.reduce((n, route) => n + route.consumers.length, 0));

    const message = (type: string) =>
      document!
        .messages()
        .all()
        .find((m) => m.title() === type);
    expect(message('orders.created.v1')?.payload()?.required()).toEqual([
      'orderId',
      'userId',
      'items',
      'createdAt',
    ]);
    expect(message('orders.created.v2')?.payload()?.required()).toEqual([
      'orderId',
      'userId',
      'items',
      'currency',
      'createdAt',
    ]);
    expect(message('orders.created.v2')?.payload()?.additionalProperties()).toBe(false);
    expect(message('orders.created.v2')?.headers()?.json()).toBeDefined();
    expect(catalog.every((event) => message(event.type) !== undefined)).toBe(true);

    // The producer sends the newest version; its consumer reads both.
    const operation = (id: string) =>
      document!
        .operations()
        .all()
        .find((o) => o.id() === id);
    const titles = (id: string) =>
      operation(id)
        ?.messages()
        .all()
        .map((m) => m.title());
    expect(titles('order-service.send.orders.created')).toEqual(['orders.created.v2']);
    expect(titles('inventory-service.receive.orders.created')).toEqual([
      'orders.created.v1',
      'orders.created.v2',
    ]);
  });

  it('documents the CloudEvents headers of every message', () => {
    const doc = buildAsyncApiDocument();
    const components = doc.components as {
      schemas: { CloudEventsHeaders: { properties: Record<string, unknown>; required: string[] } };
    };
    const headers = components.schemas.CloudEventsHeaders;
    expect(Object.keys(headers.properties)).toEqual(
      expect.arrayContaining([
        'ce-specversion',
        'ce-id',
        'ce-source',
        'ce-type',
        'ce-dataschema',
        'ce-time',
        'traceparent',
        'Nats-Msg-Id',
      ]),
    );
    expect(headers.required).toEqual(expect.arrayContaining(['ce-id', 'ce-type', 'Nats-Msg-Id']));
  });

  it('is checked in as docs/asyncapi.json and up to date (npm run asyncapi -w @demo/contracts)', async () => {
    const onDisk = await readFile(checkedIn, 'utf8');
    expect(onDisk).toBe(renderAsyncApiDocument(buildAsyncApiDocument()));
  });
});
