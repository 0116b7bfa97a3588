/**
 * A MongoDB client's view of its server, as the watchdog sees it: whether the server is known
 * (selectable) and since when it has not been, and when the client last heard its monitor.
 */
export interface ClientView {
  /** Since when the server has been `Unknown` to the client (not selectable); undefined while it is known. */
  unknownSince: number | undefined;
  /** When the monitor last started, passed or failed a heartbeat. */
  lastHeartbeatAt: number;
}

export interface StaleViewPolicy {
  /** How long the server may stay unknown, with a silent monitor, before the watchdog looks from outside. */
  unknownForMs: number;
  /** At least this long between two reconnects (a server that is really away stays away). */
  minReconnectIntervalMs: number;
}

export type WatchdogStep = 'nothing' | 'probe';

/**
 * Pure: whether the client's view may be stale. The driver's monitor checks an unknown server
 * every `minHeartbeatFrequencyMS` (0.5 s) and a known one every `heartbeatFrequencyMS` (10 s),
 * emitting an event each time. A server unknown for longer than `unknownForMs` while the monitor
 * says nothing for as long is not an outage (then heartbeats fail twice a second) but a monitor
 * that stopped: only then is a probe from outside (a fresh connection) worth it.
 */
export function nextStep(
  view: ClientView,
  now: number,
  lastReconnectAt: number,
  policy: StaleViewPolicy,
): WatchdogStep {
  if (view.unknownSince === undefined) return 'nothing';
  if (now - view.unknownSince < policy.unknownForMs) return 'nothing';
  if (now - view.lastHeartbeatAt < policy.unknownForMs) return 'nothing';
  if (now - lastReconnectAt < policy.minReconnectIntervalMs) return 'nothing';
  return 'probe';
}
