import { HttpProblem, type Route, route } from '@demo/http';
import type { Faults } from './faults.js';
import { faultUpdate } from './switches.js';

function refuseUnlessEnabled(faults: Faults): void {
  if (!faults.adminEnabled) {
    throw new HttpProblem(403, {
      title: 'Fault switches are disabled',
      detail: 'Start the service with DEMO_FAULTS_ADMIN=true to change fault switches at run time.',
    });
  }
}

/** `GET /admin/faults` (the switches) and `PUT /admin/faults` (change some), 403 unless enabled. */
export function faultRoutes(faults: Faults): Route[] {
  return [
    route({
      method: 'GET',
      path: '/admin/faults',
      handler: () => {
        refuseUnlessEnabled(faults);
        return { status: 200, body: faults.settings() };
      },
    }),
    route({
      method: 'PUT',
      path: '/admin/faults',
      body: faultUpdate,
      handler: ({ body, log }) => {
        refuseUnlessEnabled(faults);
        const settings = faults.update(body);
        log.warn({ faults: body }, 'fault switches changed through the admin endpoint');
        return { status: 200, body: settings };
      },
    }),
  ];
}
