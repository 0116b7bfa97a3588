import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Hosts in network namespaces of their own on this machine, joined by a bridge: each host one
 * address on a private /24, reachable from the root namespace (where the services and the
 * harness run). `partition(i)` takes host i's link down: it can reach nobody and nobody it,
 * without a reset (connections stall, as on a real network). Needs root and iproute2.
 */
export interface NetnsNetwork {
  readonly hosts: readonly string[];
  /** The command prefix that runs a process in host i's namespace. */
  prefix(index: number): string[];
  partition(index: number): Promise<void>;
  heal(index: number): Promise<void>;
  remove(): Promise<void>;
}

const ip = (...args: string[]) => run('ip', args);

export async function createNetnsNetwork(size: number): Promise<NetnsNetwork> {
  if (process.getuid?.() !== 0) throw new Error('network namespaces need root (ip netns add)');
  const id = randomBytes(3).toString('hex');
  // A /24 inside 10.0.0.0/8 chosen at random: two harnesses at once do not collide.
  const [b = 0, c = 0] = randomBytes(2);
  const subnet = `10.${200 + (b % 50)}.${c}`;
  const bridge = `dpbr${id}`;
  const ns = (i: number) => `dpns${id}${i}`;
  const veth = (i: number) => `dpv${id}${i}`;
  const hosts = Array.from({ length: size }, (_, i) => `${subnet}.${10 + i}`);
  const created: Array<() => Promise<unknown>> = [];
  const remove = async () => {
    for (const undo of created.reverse()) await undo().catch(() => {});
    created.length = 0;
  };
  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    created.push(() => ip('link', 'del', bridge));
    await ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    for (let i = 0; i < size; i += 1) {
      await ip('netns', 'add', ns(i));
      created.push(() => ip('netns', 'del', ns(i)));
      await ip('link', 'add', veth(i), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns(i));
      created.push(() => ip('link', 'del', veth(i)));
      await ip('link', 'set', veth(i), 'master', bridge, 'up');
      await ip('-n', ns(i), 'addr', 'add', `${hosts[i]}/24`, 'dev', 'eth0');
      await ip('-n', ns(i), 'link', 'set', 'eth0', 'up');
      await ip('-n', ns(i), 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    await remove();
    throw new Error(`could not build the namespace network: ${(error as Error).message}`, { cause: error });
  }
  return {
    hosts,
    prefix: (i) => ['ip', 'netns', 'exec', ns(i)],
    partition: async (i) => {
      await ip('link', 'set', veth(i), 'down');
    },
    heal: async (i) => {
      await ip('link', 'set', veth(i), 'up');
    },
    remove,
  };
}
