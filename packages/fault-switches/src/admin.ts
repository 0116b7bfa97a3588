import { HttpProblem, type Route, route } from '@demo/http';
import { z } from 'zod';
import type { Faults } from './faults.js';
import { FAULT_NAMES, FAULT_SWITCHES, faultUpdate } from './switches.js';

const settings = z.object(Object.fromEntries(FAULT_NAMES.map((n) => [n, FAULT_SWITCHES[n]])));
const responses = {
  200: { description: 'Every fault switch and its value (0: off).', body: settings },
  403: { description: 'The service was not started with DEMO_FAULTS_ADMIN=true.', problem: true },
};

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
      doc: { operationId: 'getFaults', summary: 'The demo fault switches', responses },
      handler: () => {
        refuseUnlessEnabled(faults);
        return { status: 200, body: faults.settings() };
      },
    }),
    route({
      method: 'PUT',
      path: '/admin/faults',
      doc: { operationId: 'putFaults', summary: 'Change demo fault switches', responses },
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
