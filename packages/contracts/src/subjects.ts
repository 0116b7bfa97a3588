import type { StreamDefinition } from '@demo/bus';

/** Whether a NATS subject filter (`*` one token, `>` one or more trailing tokens) matches a subject. */
export function subjectMatches(filter: string, subject: string): boolean {
  const want = filter.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    const token = want[i];
    if (token === '>') return have.length > i;
    if (i >= have.length || (token !== '*' && token !== have[i])) return false;
  }
  return want.length === have.length;
}

/** The streams whose subjects capture a subject (exactly one, for every subject of the catalog). */
export function streamsFor<S extends StreamDefinition>(subject: string, streams: readonly S[]): S[] {
  return streams.filter((stream) => stream.subjects.some((filter) => subjectMatches(filter, subject)));
}
