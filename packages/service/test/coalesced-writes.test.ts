import { describe, expect, it } from 'vitest';
import { CoalescedWrites } from '../src/index.js';

describe('CoalescedWrites', () => {
  it('joins the calls made during a write into the next one and gives each caller its own results', async () => {
    const commands: number[][] = [];
    let release: () => void = () => {};
    const writes = new CoalescedWrites<number, string>(async (items) => {
      commands.push(items);
      if (commands.length === 1) await new Promise<void>((r) => (release = r));
      return items.map((n) => `done ${n}`);
    });
    const first = writes.run([1]);
    const second = writes.run([2, 3]);
    const third = writes.run([4]);
    release();
    expect(await first).toEqual(['done 1']);
    expect(await second).toEqual(['done 2', 'done 3']);
    expect(await third).toEqual(['done 4']);
    expect(commands).toEqual([[1], [2, 3, 4]]);
  });

  it('fails every call of a failed command, and the next command still runs', async () => {
    let fail = true;
    const writes = new CoalescedWrites<number>(async () => {
      if (fail) throw new Error('server away');
    });
    const a = writes.run([1]);
    const b = writes.run([2]);
    await expect(a).rejects.toThrow('server away');
    await expect(b).rejects.toThrow('server away');
    fail = false;
    await expect(writes.run([3])).resolves.toEqual([]);
  });

  it('writes nothing for no items', async () => {
    let calls = 0;
    const writes = new CoalescedWrites<number>(async () => {
      calls++;
    });
    expect(await writes.run([])).toEqual([]);
    expect(calls).toBe(0);
  });
});
