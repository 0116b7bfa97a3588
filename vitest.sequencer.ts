import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files known to run for minutes (on servers and processes of their own), started first: with
 * three files at a time, a long file that starts last makes the whole run wait for it alone.
 * vitest orders by the durations of earlier runs where it has them; a fresh clone (CI) has none,
 * so these are named here, longest first, with the seconds a loaded CI machine took.
 */
const LONG_RUNNING: ReadonlyArray<readonly [string, number]> = [
  ['tests/faults/test/short.test.ts', 300],
  ['services/inventory-service/test/lifecycle.test.ts', 60],
  ['tests/e2e/test/deadline.test.ts', 40],
  ['tests/services/test/startup.test.ts', 25],
  ['services/inventory-service/test/api.test.ts', 25],
  ['services/order-service/test/api.test.ts', 25],
  ['packages/infra/test/nats-partition.test.ts', 25],
  ['packages/bus/test/failures.test.ts', 22],
  ['services/inventory-service/test/concurrency.test.ts', 22],
];

function expectedSeconds(spec: TestSpecification): number {
  const path = spec.moduleId.replaceAll('\\', '/');
  return LONG_RUNNING.find(([file]) => path.endsWith(`/${file}`))?.[1] ?? 0;
}

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Stable: the rest keeps vitest's own order.
    return [...sorted].sort((a, b) => expectedSeconds(b) - expectedSeconds(a));
  }
}
