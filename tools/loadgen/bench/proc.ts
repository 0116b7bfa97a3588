import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks a second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** The fields of /proc/<pid>/stat after the command name (field 3 onwards), or none once it exited. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) and RSS of one process, from /proc (Linux). */
export function processSample(pid: number): { cpuSeconds: number; rssMiB: number } {
  const fields = statFields(pid);
  if (fields === undefined) throw new Error(`no process ${pid}`);
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15)
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuSeconds: ticks / TICKS, rssMiB: rssKiB / 1024 };
}

/**
 * CPU seconds of a process and everything below it: its own time, its reaped children's
 * (cutime + cstime) and every live descendant's. PostgreSQL does its work in one backend process
 * per connection, children of the postmaster: the postmaster's own time alone misses all of it.
 */
export function treeCpuSeconds(root: number): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const fields = statFields(pid);
    if (!fields) continue;
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), pid]);
    // utime, stime, cutime, cstime (fields 14 to 17)
    ticks.set(pid, Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
  }
  let total = 0;
  const pending = [root];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    total += ticks.get(pid) ?? 0;
    pending.push(...(children.get(pid) ?? []));
  }
  return total / TICKS;
}

/** Busy and idle CPU seconds of the whole machine, all cores together (/proc/stat). */
export function machineCpuSeconds(): { busy: number; idle: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu  user nice system idle iowait irq softirq steal
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const n = (v: number | undefined) => v ?? 0;
  return {
    busy: (n(user) + n(nice) + n(system) + n(irq) + n(softirq) + n(steal)) / TICKS,
    idle: (n(idle) + n(iowait)) / TICKS,
  };
}
