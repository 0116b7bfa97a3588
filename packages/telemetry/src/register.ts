/**
 * `node --import @demo/telemetry/register dist/main.js`: starts the OpenTelemetry SDK before the
 * application loads, so the instrumentations patch `http`, `pg`, `mongodb`, `undici` and `pino`
 * whether the application imports them (ESM) or requires them (CommonJS).
 *
 * It installs no signal handler: the service's own graceful shutdown calls
 * `shutdownTelemetry()` from `@demo/telemetry` last, and a process without such a handler keeps
 * Node's default behaviour on SIGTERM.
 */
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { shutdownTelemetry, startTelemetry } from './sdk.js';

// The ESM loader hook wraps only the modules that the instrumentations ask for.
const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

const { started } = startTelemetry();
await waitForAllMessagesAcknowledged();

// A process that ends by running out of work still flushes what it recorded.
if (started) process.once('beforeExit', () => void shutdownTelemetry());
