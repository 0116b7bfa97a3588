import type { JsMsg } from '@nats-io/jetstream';
import type { BusLogger } from '../logger.js';

/**
 * Acks wait for the end of the current event-loop turn, so one socket write carries many.
 * An ack that cannot be sent (the connection closed) is logged; the server redelivers.
 */
export class AckBatcher {
  private readonly acks: JsMsg[] = [];
  private flushing?: NodeJS.Immediate;

  constructor(private readonly log: BusLogger) {}

  ack(msg: JsMsg): void {
    this.acks.push(msg);
    this.flushing ??= setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    for (const msg of this.acks.splice(0)) {
      try {
        msg.ack();
      } catch (error) {
        unsettled(this.log, 'ack', msg, error);
      }
    }
  }
}

/** Runs one of ack/nak/term/working; a failure (closed connection) is logged, never thrown. */
export function settleSafely(
  log: BusLogger,
  operation: string,
  msg: { readonly seq: number },
  fn: () => void,
): void {
  try {
    fn();
  } catch (error) {
    unsettled(log, operation, msg, error);
  }
}

function unsettled(log: BusLogger, operation: string, msg: { readonly seq: number }, error: unknown): void {
  let streamSequence: number | undefined;
  try {
    streamSequence = msg.seq;
  } catch {
    // A reply subject that is not JetStream's: log without the sequence.
  }
  log.warn(
    { err: error, operation, streamSequence },
    'could not settle message; the server will redeliver it',
  );
}
