import type { z } from 'zod';
import type { EventContract, EventData } from './contract.js';
import type { FieldIssue } from './errors.js';

/**
 * Version resolution on consume, as a pure decision: the `ce-type` of a message and its parsed
 * JSON body in, the data of the version the handler is written for out, or the reason to
 * dead-letter it. No I/O: the subscription does the reading and the dead-lettering.
 *
 * - No `ce-type` (a message published with `nats pub` and no headers): read as the handler's version.
 * - An older version the consumer accepts: validated against its own schema, then lifted one
 *   step at a time by the upcasters declared next to the contracts.
 * - A newer version the consumer accepts: read with the handler's own (tolerant) schema, so an
 *   additive change reaches consumers that do not know it yet; if it does not validate, the
 *   consumer cannot read that version: `unsupported_version`.
 * - A version the consumer does not accept, or a `ce-type` that is not a version of the
 *   subject: `unsupported_version`.
 */

export type VersionFailureReason = 'unsupported_version' | 'schema_invalid';

export type VersionResolution<T> =
  | { readonly ok: true; readonly data: T; readonly version: number }
  | {
      readonly ok: false;
      readonly reason: VersionFailureReason;
      readonly message: string;
      readonly issues?: readonly FieldIssue[];
    };

/** Reads a message body of the `ce-type` given as data of the handler's version. */
export type VersionRead<T> = (type: string | undefined, raw: unknown) => VersionResolution<T>;

/** Which versions a consumer reads. */
export interface VersionPolicy {
  /** The versions accepted; undefined: every version it can read (older ones with upcasters, newer ones that validate). */
  readonly accepts?: readonly number[];
}

const TYPE = /^(?<subject>.+)\.v(?<version>[1-9][0-9]{0,8})$/;

/** The version a CloudEvents `type` names for `subject`, or undefined when it names none. */
export function parseEventType(type: string, subject: string): number | undefined {
  const match = TYPE.exec(type);
  if (!match?.groups || match.groups.subject !== subject) return undefined;
  return Number(match.groups.version);
}

/** The contracts of `target`'s subject it can upcast from, by version (itself included). */
export function upcastChain(target: EventContract): Map<number, EventContract> {
  const chain = new Map<number, EventContract>();
  for (let c: EventContract | undefined = target; c; c = c.upcastFrom?.from) chain.set(c.version, c);
  return chain;
}

function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

function describe(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
}

/** A reader of every version a consumer accepts, for data of `target`'s version. Throws on a policy it cannot honour. */
export function versionReader<E extends EventContract>(
  target: E,
  policy: VersionPolicy = {},
): VersionRead<EventData<E>> {
  const chain = upcastChain(target);
  const accepts = policy.accepts ? new Set(policy.accepts) : undefined;
  if (accepts) {
    if (!accepts.has(target.version)) {
      throw new TypeError(`a consumer of ${target.type} must accept version ${target.version}`);
    }
    for (const version of accepts) {
      if (version < target.version && !chain.has(version)) {
        throw new TypeError(
          `a consumer of ${target.type} cannot accept v${version}: no upcaster chain leads from it to v${target.version}`,
        );
      }
    }
  }

  const unsupported = (message: string): VersionResolution<never> => ({
    ok: false,
    reason: 'unsupported_version',
    message,
  });

  // The last type seen and its version: consecutive messages mostly share one (bounded, unlike a map).
  let lastType: string | undefined;
  let lastVersion: number | undefined;
  return (type, raw) => {
    let version: number | undefined;
    if (type === undefined) version = target.version;
    else if (type === lastType) version = lastVersion;
    else {
      version = parseEventType(type, target.subject);
      lastType = type;
      lastVersion = version;
    }
    if (version === undefined) {
      return unsupported(`ce-type "${type}" is not a version of ${target.subject} (<subject>.v<n>)`);
    }
    if (accepts && !accepts.has(version)) {
      return unsupported(
        `${target.subject} v${version} is not accepted by this consumer (accepts v${[...accepts].sort((a, b) => a - b).join(', v')})`,
      );
    }

    if (version > target.version) {
      const parsed = target.schema.safeParse(raw);
      if (parsed.success) return { ok: true, data: parsed.data as EventData<E>, version };
      const issues = issuesOf(parsed.error);
      return {
        ok: false,
        reason: 'unsupported_version',
        message: `${target.subject} v${version} is newer than this consumer's v${target.version} and does not read as v${target.version}: ${describe(issues)}`,
        issues,
      };
    }

    const source = chain.get(version);
    if (!source) {
      return unsupported(
        `${target.subject} v${version} cannot be read as v${target.version}: no upcaster chain leads from it`,
      );
    }
    const parsed = source.schema.safeParse(raw);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      return {
        ok: false,
        reason: 'schema_invalid',
        message: `payload does not match ${source.type}: ${describe(issues)}`,
        issues,
      };
    }
    let data: unknown = parsed.data;
    for (let v = version + 1; v <= target.version; v++) {
      const step = chain.get(v) as EventContract;
      let lifted: unknown;
      try {
        lifted = step.upcastFrom?.upcast(data);
      } catch (error) {
        return {
          ok: false,
          reason: 'schema_invalid',
          message: `upcast of ${target.subject} v${v - 1} to v${v} failed: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
      const next = step.schema.safeParse(lifted);
      if (!next.success) {
        const issues = issuesOf(next.error);
        return {
          ok: false,
          reason: 'schema_invalid',
          message: `upcast of ${target.subject} v${v - 1} to v${v} gave data that does not match ${step.type}: ${describe(issues)}`,
          issues,
        };
      }
      data = next.data;
    }
    return { ok: true, data: data as EventData<E>, version };
  };
}
