/**
 * npm run stack:smoke   against the stack of `npm run stack:up` (ports on localhost):
 * user -> stock -> order -> CONFIRMED -> its trace in Tempo. Exit code 0 when all of it holds.
 * SMOKE_* variables move the endpoints (SMOKE_USER_SERVICE_URL, SMOKE_TEMPO_URL, ...).
 */
import { smoke, smokeConfigFromEnv } from './smoke.js';

try {
  await smoke(smokeConfigFromEnv(process.env));
  console.log('[smoke] PASS');
} catch (error) {
  console.error(`[smoke] FAIL: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
