import type { EventContract } from '@demo/bus';
import { type ServiceName, streams, topology, versionsOf } from './catalog.js';
import { eventJsonSchema } from './json-schema.js';
import { streamsFor } from './subjects.js';

/** An AsyncAPI 3.0 document, as plain JSON. */
export interface AsyncApiDocument {
  readonly asyncapi: '3.0.0';
  readonly info: Record<string, unknown>;
  readonly defaultContentType: string;
  readonly servers: Record<string, unknown>;
  readonly channels: Record<string, unknown>;
  readonly operations: Record<string, unknown>;
  readonly components: Record<string, unknown>;
}

const DLQ_CHANNEL = 'dlq';

/** The headers every event carries on the wire (see "Message format on the wire" in ARCHITECTURE.md). */
const cloudEventsHeaders = {
  type: 'object',
  description:
    'CloudEvents 1.0 in binary content mode over NATS headers, W3C trace context and the JetStream dedupe id. ' +
    'Other headers are allowed.',
  properties: {
    'ce-specversion': { type: 'string', const: '1.0', description: 'CloudEvents specification version' },
    'ce-id': {
      type: 'string',
      minLength: 1,
      description: 'Event id, unique per event; equal to Nats-Msg-Id',
    },
    'ce-source': { type: 'string', minLength: 1, description: 'The producing service' },
    'ce-type': {
      type: 'string',
      pattern: '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+\\.v[1-9][0-9]*$',
      description: 'Event type with its version: <subject>.v<version>; consumers upcast older versions',
    },
    'ce-dataschema': {
      type: 'string',
      description: 'The schema of this version: urn:demo:schema:<subject>:v<version>',
    },
    'ce-time': { type: 'string', format: 'date-time', description: 'When the event occurred (ISO 8601)' },
    'content-type': { type: 'string', const: 'application/json' },
    traceparent: {
      type: 'string',
      pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
      description: 'W3C trace context of the publish span',
    },
    tracestate: { type: 'string', description: 'W3C trace state' },
    baggage: { type: 'string', description: 'W3C baggage' },
    'Nats-Msg-Id': {
      type: 'string',
      minLength: 1,
      description: "Equal to ce-id: JetStream drops a duplicate inside the stream's duplicate window",
    },
  },
  required: ['ce-specversion', 'ce-id', 'ce-source', 'ce-type', 'ce-time', 'Nats-Msg-Id'],
  additionalProperties: true,
} as const;

const deadLetterHeaders = {
  type: 'object',
  description: 'The original headers of the message, kept, and the failure added.',
  properties: {
    'dlq-reason': {
      type: 'string',
      enum: [
        'unparseable',
        'schema_invalid',
        'headers_invalid',
        'unsupported_version',
        'permanent',
        'handler_failed',
        'transient_exhausted',
      ],
      description: 'Why the message was dead-lettered',
    },
    'dlq-error': {
      type: 'string',
      maxLength: 1024,
      description: 'The error message: control characters escaped (\\r, \\n, \\0, \\xNN), at most 1 KiB',
    },
    'dlq-delivery-count': { type: 'string', pattern: '^[0-9]+$', description: 'Deliveries attempted' },
    'dlq-consumer': { type: 'string', description: 'The durable consumer that gave up' },
    'dlq-subject': { type: 'string', description: 'The subject the message was published on' },
    'dlq-stream': { type: 'string', description: 'The stream that held it' },
    'dlq-stream-sequence': {
      type: 'string',
      pattern: '^[0-9]+$',
      description: 'Its sequence in that stream',
    },
    'dlq-time': { type: 'string', format: 'date-time', description: 'When it was dead-lettered' },
    'dlq-truncated': {
      type: 'string',
      pattern: '^[0-9]+$',
      description:
        'Present when the body is an excerpt: the size of the original (fetch it by stream and sequence)',
    },
    'dlq-dropped-headers': {
      type: 'string',
      description: 'Original headers not copied (JetStream Nats-* headers, undecodable or too large ones)',
    },
  },
  required: ['dlq-reason', 'dlq-delivery-count', 'dlq-consumer'],
  additionalProperties: true,
} as const;

/** JSON Schema (draft-07, the base of AsyncAPI schemas) of what a producer may publish. */
function payloadSchema(event: EventContract): Record<string, unknown> {
  return { ...eventJsonSchema(event) };
}

const ref = (...path: string[]) => ({ $ref: `#/${path.join('/')}` });

/**
 * The AsyncAPI 3.0 document of the whole catalog: one channel per subject, one message per event
 * (payload schema from zod, CloudEvents headers), a send operation for the producer and a receive
 * operation for each consumer, and the dead-letter channel.
 */
export function buildAsyncApiDocument(): AsyncApiDocument {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const deadLetterSenders = new Set<ServiceName>();

  for (const { event, producer, consumers } of topology) {
    const channelId = event.subject;
    const versions = versionsOf(event.subject);
    const channelMessages: Record<string, unknown> = {};
    for (const version of versions) {
      const messageId = version.type;
      messages[messageId] = {
        name: version.subject,
        title: version.type,
        summary: version.description,
        contentType: 'application/json',
        headers: {
          allOf: [
            ref('components', 'schemas', 'CloudEventsHeaders'),
            {
              properties: {
                'ce-type': { const: version.type },
                'ce-dataschema': { const: version.dataschema },
              },
            },
          ],
        },
        payload: payloadSchema(version),
        'x-version': version.version,
        ...(version.upcastFrom && { 'x-upcast-from': version.upcastFrom.from.type }),
      };
      channelMessages[messageId] = ref('components', 'messages', messageId);
    }
    const streamNames = streamsFor(event.subject, streams).map((stream) => stream.name);
    channels[channelId] = {
      address: event.subject,
      title: event.subject,
      description: `${event.description} Stream: ${streamNames.join(', ')}.`,
      messages: channelMessages,
    };
    const messageRef = (type: string) => ref('channels', channelId, 'messages', type);
    operations[`${producer}.send.${event.subject}`] = {
      action: 'send',
      channel: ref('channels', channelId),
      summary: `${producer} publishes ${event.type}`,
      tags: [{ name: producer }],
      messages: [messageRef(event.type)],
    };
    for (const { service, purpose } of consumers) {
      deadLetterSenders.add(service);
      operations[`${service}.receive.${event.subject}`] = {
        action: 'receive',
        channel: ref('channels', channelId),
        summary: `${service} consumes ${event.subject}: ${purpose}`,
        tags: [{ name: service }],
        messages: versions.map((version) => messageRef(version.type)),
      };
    }
  }

  messages.DeadLetter = {
    name: 'dead-letter',
    title: 'Dead letter',
    summary:
      'A message that failed its schema, came in a version its consumer cannot read, or exhausted its retries, with the failure in headers.',
    headers: ref('components', 'schemas', 'DeadLetterHeaders'),
    payload: { description: 'The original message body, unchanged (it may not be valid JSON)' },
  };
  channels[DLQ_CHANNEL] = {
    address: 'dlq.{subject}',
    title: 'Dead letters',
    description: 'Dead letters of each subject, in stream DLQ.',
    parameters: {
      subject: {
        description: 'The subject the message was consumed from',
        enum: topology.map(({ event }) => event.subject),
      },
    },
    messages: { DeadLetter: ref('components', 'messages', 'DeadLetter') },
  };
  for (const service of [...deadLetterSenders].sort()) {
    operations[`${service}.send.${DLQ_CHANNEL}`] = {
      action: 'send',
      channel: ref('channels', DLQ_CHANNEL),
      summary: `${service} dead-letters a message it could not process`,
      tags: [{ name: service }],
      messages: [ref('channels', DLQ_CHANNEL, 'messages', 'DeadLetter')],
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Demo platform events',
      version: '1.0.0',
      description:
        'The event catalog of the demo platform, over NATS JetStream. Every message names its version ' +
        'in ce-type (<subject>.v<n>); a channel lists every version that may still be in a stream or the DLQ, ' +
        'producers send the newest and consumers read older ones through upcasters. ' +
        `Streams: ${streams.map((stream) => `${stream.name} (${stream.subjects.join(', ')})`).join(', ')}. ` +
        'Publishing refuses unknown fields; consuming tolerates them.',
    },
    defaultContentType: 'application/json',
    servers: {
      nats: {
        host: 'localhost:4222',
        protocol: 'nats',
        description: 'NATS with JetStream; the host depends on the deployment',
      },
    },
    channels,
    operations,
    components: {
      schemas: { CloudEventsHeaders: cloudEventsHeaders, DeadLetterHeaders: deadLetterHeaders },
      messages,
    },
  };
}

/** The document as the checked-in file holds it: two-space JSON and a final newline. */
export function renderAsyncApiDocument(document: AsyncApiDocument = buildAsyncApiDocument()): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
