import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { StreamDefinition } from './contract.js';
import { StreamConfigConflictError } from './errors.js';

export type ProvisionOutcome = 'created' | 'updated' | 'unchanged';

export interface ProvisionResult {
  stream: string;
  outcome: ProvisionOutcome;
  /** The settings that were changed, for `updated`. */
  changed: string[];
}

const STREAM_NAME_IN_USE = 10058;

const STORAGE = { file: StorageType.File, memory: StorageType.Memory } as const;
const RETENTION = {
  limits: RetentionPolicy.Limits,
  interest: RetentionPolicy.Interest,
  workqueue: RetentionPolicy.Workqueue,
} as const;

export function toStreamConfig(def: StreamDefinition): Partial<StreamConfig> & { name: string } {
  return {
    name: def.name,
    subjects: [...def.subjects],
    description: def.description,
    storage: STORAGE[def.storage],
    retention: RETENTION[def.retention],
    max_age: nanos(def.maxAgeMs),
    max_bytes: def.maxBytes,
    max_msg_size: def.maxMsgSize,
    duplicate_window: nanos(def.duplicateWindowMs),
    num_replicas: def.replicas,
    discard: DiscardPolicy.Old,
  };
}

/** Settings JetStream lets an existing stream change, and how to compare them. */
const EDITABLE = [
  'subjects',
  'description',
  'max_age',
  'max_bytes',
  'max_msg_size',
  'duplicate_window',
  'num_replicas',
] as const;
const FIXED = ['storage', 'retention'] as const;

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return [...a].sort().join('\n') === [...b].sort().join('\n');
  return (a ?? '') === (b ?? '');
}

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)
      return undefined;
    throw error;
  }
}

/**
 * Creates a missing stream, updates one whose editable settings differ, and refuses,
 * naming the stream and the setting, where a change is not allowed (storage, retention).
 */
export async function provisionStream(
  jsm: JetStreamManager,
  def: StreamDefinition,
): Promise<ProvisionResult> {
  const wanted = toStreamConfig(def);
  const existing = await streamInfo(jsm, def.name);
  if (!existing) {
    try {
      await jsm.streams.add(wanted);
      return { stream: def.name, outcome: 'created', changed: [] };
    } catch (error) {
      // Another process created it a moment ago: compare with what it created.
      if (error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE)
        return provisionStream(jsm, def);
      throw error;
    }
  }
  const current = existing.config;
  for (const setting of FIXED) {
    if (!same(current[setting], wanted[setting])) {
      throw new StreamConfigConflictError(def.name, setting, current[setting], wanted[setting]);
    }
  }
  const changed = EDITABLE.filter((setting) => !same(current[setting], wanted[setting]));
  if (changed.length === 0) return { stream: def.name, outcome: 'unchanged', changed };
  await jsm.streams.update(def.name, { ...current, ...wanted });
  return { stream: def.name, outcome: 'updated', changed: [...changed] };
}
