import type { z } from 'zod';

/**
 * How the data of the previous version of an event becomes data of this version: a pure
 * function, one step (v1 → v2, v2 → v3), declared next to the newer contract.
 */
export interface UpcastStep {
  /** The previous version's contract (same subject, version one lower). */
  readonly from: EventContract;
  /** Data valid for `from.schema` in, data for this version's schema out. Pure: no I/O, no clock. */
  readonly upcast: (data: unknown) => unknown;
}

/**
 * An event, declared once: its subject (`<domain>.<event>`), version and zod schema.
 * The TypeScript type of its data is inferred from the schema (`EventData<typeof E>`).
 * Publishing validates strictly (unknown fields are refused); consuming tolerates
 * unknown fields (they are dropped), so producers can add fields before consumers know them.
 */
export interface EventContract<S extends z.ZodObject = z.ZodObject> {
  readonly subject: string;
  readonly version: number;
  /** CloudEvents `type`: `<subject>.v<version>`. */
  readonly type: string;
  /** CloudEvents `dataschema`: `urn:demo:schema:<subject>:v<version>` (the committed JSON Schema of this version). */
  readonly dataschema: string;
  readonly description: string;
  readonly schema: S;
  /** The schema used on publish: unknown fields are an error. */
  readonly strictSchema: z.ZodObject;
  /** How data of the previous version becomes data of this one; absent for a first version or a clean break. */
  readonly upcastFrom?: UpcastStep;
}

export type EventData<E extends EventContract> = z.output<E['schema']>;

export interface EventDefinition<S extends z.ZodObject, P extends EventContract = EventContract> {
  subject: string;
  version?: number;
  description?: string;
  schema: S;
  /** The previous version and the pure function that lifts its data to this version. */
  upcastFrom?: { contract: P; upcast: (data: EventData<P>) => z.input<S> };
}

const SUBJECT = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/** `<subject>.v<version>`, the CloudEvents `type` of a version of an event. */
export function eventType(subject: string, version: number): string {
  return `${subject}.v${version}`;
}

/** The `dataschema` URI of a version of an event. */
export function dataSchemaUri(subject: string, version: number): string {
  return `urn:demo:schema:${subject}:v${version}`;
}

export function defineEvent<S extends z.ZodObject, P extends EventContract = EventContract>(
  definition: EventDefinition<S, P>,
): EventContract<S> {
  const { subject, upcastFrom } = definition;
  if (!SUBJECT.test(subject)) {
    throw new TypeError(`event subject "${subject}" is not of the form <domain>.<event> (lower case)`);
  }
  const version = definition.version ?? 1;
  if (!Number.isInteger(version) || version < 1) {
    throw new TypeError(`event ${subject}: version must be a positive integer, got ${version}`);
  }
  if (upcastFrom) {
    if (upcastFrom.contract.subject !== subject) {
      throw new TypeError(
        `event ${subject} v${version} upcasts from ${upcastFrom.contract.type}, an event of another subject`,
      );
    }
    if (upcastFrom.contract.version !== version - 1) {
      throw new TypeError(
        `event ${subject} v${version} upcasts from v${upcastFrom.contract.version}; one step at a time (v${version - 1})`,
      );
    }
  }
  return Object.freeze({
    subject,
    version,
    type: eventType(subject, version),
    dataschema: dataSchemaUri(subject, version),
    description: definition.description ?? '',
    schema: definition.schema,
    strictSchema: definition.schema.strict(),
    ...(upcastFrom && {
      upcastFrom: Object.freeze({
        from: upcastFrom.contract,
        upcast: upcastFrom.upcast as (data: unknown) => unknown,
      }),
    }),
  });
}
/** A JetStream stream, declared once. Durations in milliseconds, sizes in bytes. */
export interface StreamDefinition {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly description: string;
  readonly storage: 'file' | 'memory';
  readonly retention: 'limits' | 'interest' | 'workqueue';
  readonly maxAgeMs: number;
  readonly maxBytes: number;
  readonly maxMsgSize: number;
  readonly duplicateWindowMs: number;
  readonly replicas: number;
}

export type StreamInput = Pick<StreamDefinition, 'name' | 'subjects'> & Partial<StreamDefinition>;

const DAY = 24 * 60 * 60 * 1000;

export function defineStream(input: StreamInput): StreamDefinition {
  if (!/^[A-Za-z0-9_-]+$/.test(input.name)) {
    throw new TypeError(`stream name "${input.name}" may hold only letters, digits, - and _`);
  }
  if (input.subjects.length === 0) throw new TypeError(`stream ${input.name} needs at least one subject`);
  return Object.freeze({
    description: '',
    storage: 'file',
    retention: 'limits',
    maxAgeMs: 7 * DAY,
    maxBytes: -1,
    maxMsgSize: 1024 * 1024,
    duplicateWindowMs: 2 * 60 * 1000,
    replicas: 1,
    ...input,
    subjects: Object.freeze([...input.subjects]),
  });
}
