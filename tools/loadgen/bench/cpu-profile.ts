/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that self time needs. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  /** The node on top of the stack at each sample. */
  samples: number[];
  /** Microseconds since the previous sample. */
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  /** Share of the busy time (everything but `(idle)`), in %. */
  percent: number;
}

export interface ProfileSummary {
  /** Busy (non-idle) time the profile covers, in ms. */
  busyMs: number;
  /** Self time by package, every one, hottest first: `@opentelemetry/instrumentation-http`, `pino`, `@demo/http`, `node:internal`, `(garbage collector)`… */
  packages: SelfTime[];
  /** Self time of the `limit` hottest functions of the packages `focus` picks, as `package function (file:line)`. */
  functions: SelfTime[];
}

/** The package a frame's script belongs to (the last node_modules segment wins), or a bucket for the rest. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return url.startsWith('node:internal') ? 'node:internal' : url;
  const at = url.lastIndexOf('/node_modules/');
  if (at !== -1) {
    const [first = '', second = ''] = url.slice(at + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const workspace = /\/(packages|services|tools)\/([^/]+)\//.exec(url);
  if (workspace) return workspace[1] === 'packages' ? `@demo/${workspace[2]}` : `${workspace[2]}`;
  return '(other)';
}

const top = (times: Map<string, number>, total: number, limit: number): SelfTime[] =>
  [...times.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, percent: (us / total) * 100 }));

/**
 * Self time of a profile by package, and the hottest functions of the packages `focus` accepts
 * (default: OpenTelemetry's), each as a share of the busy time; the first `skipMs` (start-up)
 * left out.
 */
export function summarizeProfile(
  profile: CpuProfile,
  options: { limit?: number; focus?: (pkg: string) => boolean; skipMs?: number } = {},
): ProfileSummary {
  const limit = options.limit ?? 15;
  const focus = options.focus ?? ((pkg: string) => pkg.startsWith('@opentelemetry/'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  const skipUs = (options.skipMs ?? 0) * 1000;
  let busy = 0;
  let at = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (at < skipUs || !frame || frame.functionName === '(idle)') return;
    busy += us;
    const pkg = packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    if (focus(pkg)) {
      const file = frame.url.slice(frame.url.lastIndexOf('/') + 1);
      const key = `${pkg} ${frame.functionName || '(anonymous)'} (${file}:${frame.lineNumber + 1})`;
      functions.set(key, (functions.get(key) ?? 0) + us);
    }
  });
  return {
    busyMs: busy / 1000,
    packages: top(packages, busy || 1, Number.POSITIVE_INFINITY),
    functions: top(functions, busy || 1, limit),
  };
}
