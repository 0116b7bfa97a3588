/**
 * Writes deploy/nats/auth.conf, the NATS users and permissions every environment runs
 * (`npm run nats:auth`); a test fails when the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { renderNatsAuthorization } from '@demo/infra';

writeFileSync(new URL('../deploy/nats/auth.conf', import.meta.url), renderNatsAuthorization());
process.stdout.write('wrote deploy/nats/auth.conf\n');
