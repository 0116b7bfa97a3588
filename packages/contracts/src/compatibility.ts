import type { EventContract } from '@demo/bus';
import { eventJsonSchema, type JsonSchema } from './json-schema.js';

/**
 * The compatibility rules of the catalog, as pure functions over JSON Schemas: a committed
 * schema of the last release against the schema the catalog has now, for the same version.
 *
 * A version, once released, is read by consumers that do not change with it (old code still
 * running) and holds messages that do not change either (in streams, outboxes and the DLQ). So
 * a change to a released version must keep both readable:
 * - messages of the new schema must still validate for old consumers (tolerant: they drop
 *   unknown fields), and
 * - messages written under the old schema must still validate for new consumers.
 * Only an optional field added passes both. Anything else is breaking and needs a new version
 * (`<subject>.v<n+1>`, with an upcaster from the previous one). Descriptions and titles are
 * documentation; `additionalProperties` is the publish rule (unknown fields refused on
 * publish, tolerated on consume), so changing it is reported but not breaking.
 */

export type ChangeKind =
  | 'field_removed'
  | 'field_added_required'
  | 'field_added_optional'
  | 'field_made_required'
  | 'field_made_optional'
  | 'type_narrowed'
  | 'type_widened'
  | 'type_changed'
  | 'enum_value_removed'
  | 'enum_value_added'
  | 'constraint_tightened'
  | 'constraint_loosened'
  | 'constraint_changed'
  | 'publish_rule_changed'
  | 'version_removed'
  | 'version_added';

export interface SchemaChange {
  readonly kind: ChangeKind;
  /** Where in the payload: `items[].unitPrice`; empty for the root. */
  readonly path: string;
  readonly breaking: boolean;
  readonly message: string;
}

const BREAKING: Record<ChangeKind, boolean> = {
  field_removed: true,
  field_added_required: true,
  field_added_optional: false,
  field_made_required: true,
  field_made_optional: true,
  type_narrowed: true,
  type_widened: true,
  type_changed: true,
  enum_value_removed: true,
  enum_value_added: true,
  constraint_tightened: true,
  constraint_loosened: true,
  constraint_changed: true,
  publish_rule_changed: false,
  version_removed: true,
  version_added: false,
};

const IGNORED = new Set(['$id', '$schema', 'title', 'description', 'examples', 'default', '$comment']);
/** Bounds where a larger value accepts fewer messages. */
const LOWER_BOUNDS = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties']);
/** Bounds where a larger value accepts more messages. */
const UPPER_BOUNDS = new Set(['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties']);
const STRUCTURAL = new Set([
  'type',
  'properties',
  'required',
  'items',
  'enum',
  'anyOf',
  'additionalProperties',
]);

function change(kind: ChangeKind, path: string, message: string): SchemaChange {
  return { kind, path, breaking: BREAKING[kind], message: `${path || '(root)'}: ${message}` };
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function types(schema: JsonSchema): Set<string> | undefined {
  const t = schema.type;
  if (t === undefined) return undefined;
  return new Set(Array.isArray(t) ? (t as string[]) : [t as string]);
}

/** Does type set `a` accept every value type set `b` accepts? (`number` holds `integer`.) */
function covers(a: Set<string>, b: Set<string>): boolean {
  return [...b].every((t) => a.has(t) || (t === 'integer' && a.has('number')));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Every change from `released` to `current` (the same version of one event), breaking or not. */
export function compareSchemas(released: JsonSchema, current: JsonSchema, path = ''): SchemaChange[] {
  const changes: SchemaChange[] = [];

  const before = types(released);
  const after = types(current);
  if (before && after && !same([...before].sort(), [...after].sort())) {
    const widened = covers(after, before);
    const narrowed = covers(before, after);
    if (widened && !narrowed) {
      changes.push(
        change(
          'type_widened',
          path,
          `type ${[...before]} became ${[...after]}: old consumers refuse the new values`,
        ),
      );
    } else if (narrowed && !widened) {
      changes.push(
        change(
          'type_narrowed',
          path,
          `type ${[...before]} became ${[...after]}: messages already written no longer validate`,
        ),
      );
    } else {
      changes.push(change('type_changed', path, `type ${[...before]} became ${[...after]}`));
    }
    return changes;
  }
  if ((before === undefined) !== (after === undefined)) {
    changes.push(
      change(
        'type_changed',
        path,
        `type ${before ? [...before] : '(any)'} became ${after ? [...after] : '(any)'}`,
      ),
    );
    return changes;
  }

  // Objects: fields removed, added, made required or optional.
  if (isSchema(released.properties) || isSchema(current.properties)) {
    const oldProps = isSchema(released.properties) ? released.properties : {};
    const newProps = isSchema(current.properties) ? current.properties : {};
    const oldRequired = new Set((released.required as string[] | undefined) ?? []);
    const newRequired = new Set((current.required as string[] | undefined) ?? []);
    for (const key of Object.keys(oldProps)) {
      const at = join(path, key);
      if (!(key in newProps)) {
        changes.push(
          change(
            'field_removed',
            at,
            'field removed: old consumers that read it, or new ones reading old messages, see it vanish',
          ),
        );
        continue;
      }
      if (oldRequired.has(key) && !newRequired.has(key)) {
        changes.push(
          change(
            'field_made_optional',
            at,
            'required field made optional: old consumers refuse messages without it',
          ),
        );
      } else if (!oldRequired.has(key) && newRequired.has(key)) {
        changes.push(
          change(
            'field_made_required',
            at,
            'optional field made required: messages already written without it no longer validate',
          ),
        );
      }
      const a = oldProps[key];
      const b = newProps[key];
      if (isSchema(a) && isSchema(b)) changes.push(...compareSchemas(a, b, at));
    }
    for (const key of Object.keys(newProps)) {
      if (key in oldProps) continue;
      const at = join(path, key);
      if (newRequired.has(key)) {
        changes.push(
          change('field_added_required', at, 'new required field: messages already written lack it'),
        );
      } else {
        changes.push(change('field_added_optional', at, 'optional field added: old consumers drop it'));
      }
    }
  }
  if (!same(released.additionalProperties, current.additionalProperties)) {
    changes.push(
      change(
        'publish_rule_changed',
        path,
        `additionalProperties ${JSON.stringify(released.additionalProperties)} became ${JSON.stringify(current.additionalProperties)} (publish rule; consumers tolerate unknown fields)`,
      ),
    );
  }

  // Arrays: their items.
  if (isSchema(released.items) && isSchema(current.items)) {
    changes.push(...compareSchemas(released.items, current.items, `${path}[]`));
  } else if (!same(released.items, current.items)) {
    changes.push(change('type_changed', `${path}[]`, 'array items changed shape'));
  }

  // Enumerations.
  if (Array.isArray(released.enum) || Array.isArray(current.enum)) {
    const oldValues = (released.enum as unknown[] | undefined) ?? [];
    const newValues = (current.enum as unknown[] | undefined) ?? [];
    if (!Array.isArray(released.enum)) {
      changes.push(change('constraint_tightened', path, `now limited to ${JSON.stringify(newValues)}`));
    } else if (!Array.isArray(current.enum)) {
      changes.push(change('constraint_loosened', path, `no longer limited to ${JSON.stringify(oldValues)}`));
    } else {
      for (const value of oldValues) {
        if (!newValues.some((v) => same(v, value))) {
          changes.push(
            change(
              'enum_value_removed',
              path,
              `enum value ${JSON.stringify(value)} removed: messages already written with it no longer validate`,
            ),
          );
        }
      }
      for (const value of newValues) {
        if (!oldValues.some((v) => same(v, value))) {
          changes.push(
            change(
              'enum_value_added',
              path,
              `enum value ${JSON.stringify(value)} added: old consumers refuse it`,
            ),
          );
        }
      }
    }
  }

  // Unions (e.g. a nullable field): branch by branch when their number holds.
  if (Array.isArray(released.anyOf) || Array.isArray(current.anyOf)) {
    const a = (released.anyOf as unknown[] | undefined) ?? [];
    const b = (current.anyOf as unknown[] | undefined) ?? [];
    if (a.length !== b.length) {
      changes.push(change('type_changed', path, `alternatives changed from ${a.length} to ${b.length}`));
    } else {
      a.forEach((branch, i) => {
        const other = b[i];
        if (isSchema(branch) && isSchema(other)) changes.push(...compareSchemas(branch, other, path));
      });
    }
  }

  // Every other keyword: bounds by direction, the rest (pattern, format, const, multipleOf, …) by equality.
  const keywords = new Set([...Object.keys(released), ...Object.keys(current)]);
  for (const keyword of keywords) {
    if (IGNORED.has(keyword) || STRUCTURAL.has(keyword)) continue;
    const a = released[keyword];
    const b = current[keyword];
    if (same(a, b)) continue;
    const lower = LOWER_BOUNDS.has(keyword);
    const upper = UPPER_BOUNDS.has(keyword);
    if (
      (lower || upper) &&
      (a === undefined || typeof a === 'number') &&
      (b === undefined || typeof b === 'number')
    ) {
      const stricter = lower
        ? a === undefined || (b !== undefined && b > a)
        : a === undefined || (b !== undefined && b < a);
      changes.push(
        change(
          stricter ? 'constraint_tightened' : 'constraint_loosened',
          path,
          `${keyword} ${a ?? '(none)'} became ${b ?? '(none)'}: ${stricter ? 'messages already written may no longer validate' : 'old consumers may refuse new values'}`,
        ),
      );
      continue;
    }
    changes.push(
      change(
        'constraint_changed',
        path,
        `${keyword} ${JSON.stringify(a) ?? '(none)'} became ${JSON.stringify(b) ?? '(none)'}`,
      ),
    );
  }
  return changes;
}

/** The findings for one version of an event. */
export interface VersionReport {
  readonly type: string;
  /** `released`: compared with its committed schema; `new`: not released yet; `removed`: released but gone from the catalog. */
  readonly status: 'released' | 'new' | 'removed';
  readonly changes: readonly SchemaChange[];
}

export interface CatalogReport {
  readonly versions: readonly VersionReport[];
  /** True when no change is breaking. */
  readonly compatible: boolean;
  readonly breaking: readonly (SchemaChange & { readonly type: string })[];
}

/**
 * The catalog against the schemas of the last release (by type, `<subject>.v<n>`): a released
 * version may change only compatibly, a released version may not disappear (its messages may
 * still be waiting), and a new version may be anything, as long as it comes after every
 * released version of its subject with no gap.
 */
export function checkCatalog(
  catalog: readonly EventContract[],
  released: ReadonlyMap<string, JsonSchema>,
): CatalogReport {
  const versions: VersionReport[] = [];
  const current = new Map(catalog.map((event) => [event.type, event]));
  for (const event of catalog) {
    const committed = released.get(event.type);
    if (committed) {
      versions.push({
        type: event.type,
        status: 'released',
        changes: compareSchemas(committed, eventJsonSchema(event)),
      });
      continue;
    }
    const changes: SchemaChange[] = [];
    const previous = event.version > 1 ? `${event.subject}.v${event.version - 1}` : undefined;
    if (previous && !current.has(previous) && !released.has(previous)) {
      changes.push(change('type_changed', '', `new version ${event.type} follows no ${previous}`));
    } else {
      changes.push(
        change(
          'version_added',
          '',
          event.upcastFrom
            ? `new version, upcast from ${event.upcastFrom.from.type}`
            : 'new version without an upcaster: consumers of it dead-letter older versions as unsupported_version',
        ),
      );
    }
    versions.push({ type: event.type, status: 'new', changes });
  }
  for (const type of released.keys()) {
    if (current.has(type)) continue;
    versions.push({
      type,
      status: 'removed',
      changes: [
        change(
          'version_removed',
          '',
          'released version removed from the catalog: its messages in streams and the DLQ could no longer be read',
        ),
      ],
    });
  }
  const breaking = versions.flatMap((v) =>
    v.changes.filter((c) => c.breaking).map((c) => ({ ...c, type: v.type })),
  );
  return { versions, compatible: breaking.length === 0, breaking };
}
