import { defineEvent } from '@demo/bus';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type CatalogReport,
  catalog,
  checkCatalog,
  compareSchemas,
  eventJsonSchema,
  fields,
  type JsonSchema,
  OrderCreatedV1,
  readReleasedSchemas,
} from '../src/index.js';

const releasedDir = new URL('../schemas', import.meta.url).pathname;

/** The kinds of change from `before` to `after`, each with whether it breaks. */
function kinds(before: z.ZodObject, after: z.ZodObject): [string, string, boolean][] {
  const schema = (s: z.ZodObject): JsonSchema => z.toJSONSchema(s.strict(), { target: 'draft-07' });
  return compareSchemas(schema(before), schema(after)).map((c) => [c.kind, c.path, c.breaking]);
}

const base = z.object({
  id: fields.id,
  count: z.number().int().nonnegative(),
  price: z.number(),
  name: z.string().min(1).max(50),
  state: z.enum(['open', 'closed']),
  note: z.string().optional(),
  lines: z.array(z.object({ sku: fields.sku, quantity: fields.quantity })).min(1),
});

describe('compatibility rules', () => {
  it.each([
    ['field removed', base.omit({ count: true }), [['field_removed', 'count', true]]],
    ['optional field removed', base.omit({ note: true }), [['field_removed', 'note', true]]],
    [
      'nested field removed',
      base.extend({ lines: z.array(z.object({ sku: fields.sku })).min(1) }),
      [['field_removed', 'lines[].quantity', true]],
    ],
    [
      'type narrowed (number → integer)',
      base.extend({ price: z.number().int() }),
      [['type_narrowed', 'price', true]],
    ],
    [
      'type changed (integer → string)',
      base.extend({ count: z.string() }),
      [['type_changed', 'count', true]],
    ],
    [
      'new required field',
      base.extend({ currency: fields.currency }),
      [['field_added_required', 'currency', true]],
    ],
    [
      'new required field in a line',
      base.extend({
        lines: z
          .array(z.object({ sku: fields.sku, quantity: fields.quantity, unitPrice: fields.money }))
          .min(1),
      }),
      [['field_added_required', 'lines[].unitPrice', true]],
    ],
    [
      'optional field made required',
      base.extend({ note: z.string() }),
      [['field_made_required', 'note', true]],
    ],
    [
      'required field made optional',
      base.extend({ count: z.number().int().nonnegative().optional() }),
      [['field_made_optional', 'count', true]],
    ],
    ['enum value removed', base.extend({ state: z.enum(['open']) }), [['enum_value_removed', 'state', true]]],
    [
      'enum value added',
      base.extend({ state: z.enum(['open', 'closed', 'archived']) }),
      [['enum_value_added', 'state', true]],
    ],
    [
      'length bound tightened',
      base.extend({ name: z.string().min(1).max(20) }),
      [['constraint_tightened', 'name', true]],
    ],
    [
      'length bound loosened',
      base.extend({ name: z.string().min(0).max(50) }),
      [['constraint_loosened', 'name', true]],
    ],
    [
      'pattern changed',
      base.extend({
        lines: z
          .array(z.object({ sku: z.string().regex(/^[A-Z]{3,32}$/), quantity: fields.quantity }))
          .min(1),
      }),
      [['constraint_changed', 'lines[].sku', true]],
    ],
    ['made nullable', base.extend({ price: z.number().nullable() }), [['type_widened', 'price', true]]],
    [
      'optional field added',
      base.extend({ comment: z.string().optional() }),
      [['field_added_optional', 'comment', false]],
    ],
    ['description changed', base.extend({ price: z.number().describe('in EUR') }), []],
    ['nothing changed', base, []],
  ] as const)('%s', (_, after, expected) => {
    expect(kinds(base, after)).toEqual(expected);
  });
});

function breakingTypes(report: CatalogReport): string[] {
  return report.breaking.map((c) => `${c.type} ${c.kind} ${c.path}`);
}

describe('the catalog against the committed schemas of the last release (npm run contracts:check)', () => {
  it('is compatible: released versions unchanged or changed compatibly, new versions follow them', async () => {
    const released = await readReleasedSchemas(releasedDir);
    const report = checkCatalog(catalog, released);
    expect(breakingTypes(report)).toEqual([]);
    expect(report.compatible).toBe(true);
    // Every event of the last release is still in the catalog, each version once.
    expect(released.size).toBeGreaterThanOrEqual(10);
    for (const type of released.keys()) expect(catalog.map((e) => e.type)).toContain(type);
  });

  it('fails on a breaking edit of a released v1 schema', async () => {
    const released = await readReleasedSchemas(releasedDir);
    const editedV1 = defineEvent({
      subject: 'orders.created',
      version: 1,
      description: OrderCreatedV1.description,
      schema: OrderCreatedV1.schema.extend({ currency: fields.currency }),
    });
    const report = checkCatalog(
      catalog.map((event) => (event === OrderCreatedV1 ? editedV1 : event)),
      released,
    );
    expect(report.compatible).toBe(false);
    expect(breakingTypes(report)).toEqual(['orders.created.v1 field_added_required currency']);
  });

  it('passes when the same change is a new version', async () => {
    const released = await readReleasedSchemas(releasedDir);
    const v3 = defineEvent({
      subject: 'orders.created',
      version: 3,
      description: 'An order with a currency and no prices (a test version).',
      schema: OrderCreatedV1.schema.extend({ currency: fields.currency }),
    });
    const report = checkCatalog([...catalog, v3], released);
    expect(breakingTypes(report)).toEqual([]);
    expect(report.versions.find((v) => v.type === 'orders.created.v3')).toMatchObject({
      status: 'new',
      changes: [expect.objectContaining({ kind: 'version_added', breaking: false })],
    });
  });

  it('passes on an optional field added to a released version', async () => {
    const released = await readReleasedSchemas(releasedDir);
    const v1 = defineEvent({
      subject: 'orders.created',
      description: OrderCreatedV1.description,
      schema: OrderCreatedV1.schema.extend({ note: z.string().max(200).optional() }),
    });
    const report = checkCatalog(
      catalog.map((event) => (event === OrderCreatedV1 ? v1 : event)),
      released,
    );
    expect(report.compatible).toBe(true);
    expect(report.versions.find((v) => v.type === 'orders.created.v1')?.changes).toEqual([
      expect.objectContaining({ kind: 'field_added_optional', path: 'note', breaking: false }),
    ]);
  });

  it('fails when a released version leaves the catalog, or a new version skips one', async () => {
    const released = await readReleasedSchemas(releasedDir);
    expect(
      breakingTypes(
        checkCatalog(
          catalog.filter((event) => event !== OrderCreatedV1),
          released,
        ),
      ),
    ).toEqual(['orders.created.v1 version_removed ']);
    const v5 = defineEvent({
      subject: 'orders.confirmed',
      version: 5,
      schema: z.object({ orderId: fields.id }),
    });
    expect(breakingTypes(checkCatalog([...catalog, v5], released))).toEqual([
      'orders.confirmed.v5 type_changed ',
    ]);
  });

  it('the committed schema of each released version is what the catalog generates for it', async () => {
    const released = await readReleasedSchemas(releasedDir);
    for (const [type, schema] of released) {
      const event = catalog.find((e) => e.type === type);
      expect(event && eventJsonSchema(event), type).toEqual(schema);
    }
  });
});
