import type { z } from 'zod';

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
  readonly description: string;
  readonly schema: S;
  /** The schema used on publish: unknown fields are an error. */
  readonly strictSchema: z.ZodObject;
}

export type EventData<E extends EventContract> = z.output<E['schema']>;

export interface EventDefinition<S extends z.ZodObject> {
  subject: string;
  version?: number;
  description?: string;
  schema: S;
}

const SUBJECT = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

export function defineEvent<S extends z.ZodObject>(definition: EventDefinition<S>): EventContract<S> {
  if (!SUBJECT.test(definition.subject)) {
    throw new TypeError(
      `event subject "${definition.subject}" is not of the form <domain>.<event> (lower case)`,
    );
  }
  const version = definition.version ?? 1;
  return Object.freeze({
    subject: definition.subject,
    version,
    type: `${definition.subject}.v${version}`,
    description: definition.description ?? '',
    schema: definition.schema,
    strictSchema: definition.schema.strict(),
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
