import { describe, expect, it } from 'vitest';
import {
  catalog,
  fields,
  InventoryRejected,
  InventoryReserved,
  InventoryStockChanged,
  OrderCancelled,
  OrderConfirmed,
  OrderCreatedV1,
  OrderCreatedV2,
  OrderRejected,
  UserCreated,
  UserDeleted,
  versionsOf,
} from '../src/index.js';
import { examples } from './examples.js';

type Example = Record<string, unknown>;

function exampleOf(type: string): Example {
  const example = (examples as Record<string, Example>)[type];
  if (!example) throw new Error(`no example for ${type}`);
  return structuredClone(example);
}

/** The paths of the issues a contract reports for `data`, strict (publish) and tolerant (consume). */
function failingPaths(event: (typeof catalog)[number], data: unknown): PropertyKey[][] {
  const strict = event.strictSchema.safeParse(data);
  const tolerant = event.schema.safeParse(data);
  expect(strict.success, 'strictSchema accepted invalid data').toBe(false);
  expect(tolerant.success, 'schema accepted invalid data').toBe(false);
  return (tolerant.error?.issues ?? []).map((issue) => issue.path);
}

describe('every event of the catalog', () => {
  it('has an example, a description and a unique type and dataschema of its subject and version', () => {
    expect(new Set(catalog.map((event) => event.type)).size).toBe(catalog.length);
    expect(new Set(catalog.map((event) => event.dataschema)).size).toBe(catalog.length);
    expect(Object.keys(examples).sort()).toEqual(catalog.map((event) => event.type).sort());
    for (const event of catalog) {
      expect(event.description, event.type).toMatch(/^\S.{9,}$/);
      expect(event.type).toBe(`${event.subject}.v${event.version}`);
      expect(event.dataschema).toBe(`urn:demo:schema:${event.subject}:v${event.version}`);
    }
  });

  it('holds every version of a subject from 1 up, without gaps', () => {
    for (const subject of new Set(catalog.map((event) => event.subject))) {
      expect(
        versionsOf(subject).map((event) => event.version),
        subject,
      ).toEqual(versionsOf(subject).map((_, i) => i + 1));
    }
    expect(versionsOf('orders.created')).toEqual([OrderCreatedV1, OrderCreatedV2]);
  });

  it.each(catalog.map((event) => [event.type, event] as const))('%s accepts its example', (_, event) => {
    const example = exampleOf(event.type);
    expect(event.strictSchema.parse(example)).toEqual(example);
    expect(event.schema.parse(example)).toEqual(example);
  });

  it.each(catalog.map((event) => [event.type, event] as const))(
    '%s: strictSchema refuses unknown fields, schema tolerates and drops them',
    (_, event) => {
      const example = exampleOf(event.type);
      const withExtra = { ...example, addedLater: 'v1.1 field' };
      const strict = event.strictSchema.safeParse(withExtra);
      expect(strict.success).toBe(false);
      expect(strict.error?.issues).toEqual([
        expect.objectContaining({ code: 'unrecognized_keys', keys: ['addedLater'], path: [] }),
      ]);
      expect(event.schema.parse(withExtra)).toEqual(example);
    },
  );

  it.each(catalog.map((event) => [event.type, event] as const))(
    '%s refuses a missing required field',
    (_, event) => {
      const example = exampleOf(event.type);
      const [first] = Object.keys(example);
      delete example[first!];
      expect(failingPaths(event, example)).toEqual([[first]]);
    },
  );
});

/** Set `value` at `path` in the event's example: the contract must refuse it and report that path. */
interface Case {
  name: string;
  event: (typeof catalog)[number];
  path: (string | number)[];
  value: unknown;
}

function setAt(data: Example, path: (string | number)[], value: unknown): void {
  let target: Record<string | number, unknown> = data;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  target[path.at(-1)!] = value;
}

const cases: Case[] = [
  { name: 'bad uuid', event: UserCreated, value: 'not-a-uuid', path: ['userId'] },
  {
    name: 'bad uuid in a second id',
    event: InventoryReserved,
    value: '6f1d2c3b4a5e4f608a7b9c0d1e2f3a4b',
    path: ['reservationId'],
  },
  { name: 'bad email', event: UserCreated, value: 'ada@', path: ['email'] },
  { name: 'email without @', event: UserCreated, value: 'ada', path: ['email'] },
  { name: 'empty name', event: UserCreated, value: '', path: ['name'] },
  {
    name: 'name too long',
    event: UserCreated,
    value: 'x'.repeat(201),
    path: ['name'],
  },
  {
    name: 'quantity 0',
    event: OrderCreatedV1,
    value: 0,
    path: ['items', 1, 'quantity'],
  },
  {
    name: 'negative quantity',
    event: OrderCreatedV1,
    value: -1,
    path: ['items', 0, 'quantity'],
  },
  {
    name: 'fractional quantity',
    event: InventoryReserved,
    value: 1.5,
    path: ['items', 0, 'quantity'],
  },
  {
    name: 'quantity as a string',
    event: OrderCreatedV1,
    value: '2',
    path: ['items', 0, 'quantity'],
  },
  { name: 'empty items', event: OrderCreatedV1, value: [], path: ['items'] },
  {
    name: 'empty items (reserved)',
    event: InventoryReserved,
    value: [],
    path: ['items'],
  },
  {
    name: 'empty items (rejected)',
    event: InventoryRejected,
    value: [],
    path: ['items'],
  },
  {
    name: 'lower-case sku',
    event: OrderCreatedV1,
    value: 'book-001',
    path: ['items', 0, 'sku'],
  },
  { name: 'too short sku', event: InventoryStockChanged, value: 'AB', path: ['sku'] },
  {
    name: 'non-ISO time',
    event: UserCreated,
    value: 'Tue, 24 Nov 2026 10:15:00 GMT',
    path: ['createdAt'],
  },
  {
    name: 'time without offset',
    event: OrderCreatedV1,
    value: '2026-11-24T10:15:00',
    path: ['createdAt'],
  },
  {
    name: 'date only',
    event: UserDeleted,
    value: '2026-11-24',
    path: ['deletedAt'],
  },
  { name: 'negative total', event: OrderConfirmed, value: -0.01, path: ['total'] },
  {
    name: 'total with 3 decimals',
    event: OrderConfirmed,
    value: 10.005,
    path: ['total'],
  },
  {
    name: 'unit price with 3 decimals',
    event: InventoryReserved,
    value: 0.001,
    path: ['items', 0, 'unitPrice'],
  },
  {
    name: 'unit price with 3 decimals (v2)',
    event: OrderCreatedV2,
    value: 1.005,
    path: ['items', 0, 'unitPrice'],
  },
  {
    name: 'missing unit price (v2: null when none was quoted)',
    event: OrderCreatedV2,
    value: undefined,
    path: ['items', 1, 'unitPrice'],
  },
  { name: 'lower-case currency', event: OrderCreatedV2, value: 'eur', path: ['currency'] },
  { name: 'currency name', event: OrderCreatedV2, value: 'EURO', path: ['currency'] },
  {
    name: 'unknown rejection reason',
    event: InventoryRejected,
    value: 'out_of_stock',
    path: ['reason'],
  },
  {
    name: 'unknown rejection reason (orders)',
    event: OrderRejected,
    value: 'because',
    path: ['reason'],
  },
  {
    name: 'unknown cancel reason',
    event: OrderCancelled,
    value: 'whim',
    path: ['reason'],
  },
  {
    name: 'unknown cause',
    event: InventoryStockChanged,
    value: 'stolen',
    path: ['cause'],
  },
  {
    name: 'fractional change',
    event: InventoryStockChanged,
    value: 0.5,
    path: ['change'],
  },
  {
    name: 'negative available stock',
    event: InventoryStockChanged,
    value: -1,
    path: ['available'],
  },
  {
    name: 'bad optional order id',
    event: InventoryStockChanged,
    value: 'nope',
    path: ['orderId'],
  },
  {
    name: 'version 0',
    event: InventoryStockChanged,
    value: 0,
    path: ['version'],
  },
  {
    name: 'fractional version',
    event: InventoryStockChanged,
    value: 1.5,
    path: ['version'],
  },
];

describe('invalid payloads are refused with the failing path', () => {
  it.each(cases.map((c) => [`${c.event.type}: ${c.name}`, c] as const))('%s', (_, c) => {
    const data = exampleOf(c.event.type);
    setAt(data, c.path, c.value);
    expect(failingPaths(c.event, data)).toEqual([c.path]);
  });
});

describe('edge values that are valid', () => {
  it('accepts a total of 0, whole and one-decimal totals, and sums that are not exact in binary', () => {
    for (const total of [0, 12, 12.5, 0.1 + 0.2, 19.99 * 3]) {
      expect(
        OrderConfirmed.strictSchema.safeParse({ ...exampleOf('orders.confirmed.v1'), total }).success,
        `${total}`,
      ).toBe(true);
    }
  });

  it('accepts a stock change without an order id, a positive change and a zero change', () => {
    const { orderId: _, ...restock } = exampleOf('inventory.stock-changed.v1');
    expect(
      InventoryStockChanged.strictSchema.parse({ ...restock, change: 5, cause: 'restocked' }),
    ).toMatchObject({
      change: 5,
    });
    expect(
      InventoryStockChanged.strictSchema.parse({ ...restock, change: 0, cause: 'created' }),
    ).toMatchObject({
      change: 0,
    });
  });

  it('accepts a stock change without a version (published before versions) on both sides', () => {
    const { version: _, ...unversioned } = exampleOf('inventory.stock-changed.v1');
    expect(InventoryStockChanged.strictSchema.parse(unversioned)).not.toHaveProperty('version');
    expect(InventoryStockChanged.schema.parse(unversioned)).toMatchObject({ available: 8 });
  });

  it('accepts timestamps with an offset', () => {
    expect(fields.timestamp.safeParse('2026-11-24T10:15:00-05:30').success).toBe(true);
    expect(fields.timestamp.safeParse('2026-11-24T10:15:00.123456Z').success).toBe(true);
  });
});
