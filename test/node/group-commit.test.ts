import { afterEach, describe, expect, it, vi } from "vitest";
import { GroupCommit } from "../../src/drift/group-commit.js";

/** A GroupCommit whose writes are recorded (and fail while `failing` is set). */
function recorder(delayMs: number, maxItems: number) {
  const writes: Array<{ key: object; items: number[] }> = [];
  const state = { failing: false };
  const group = new GroupCommit<object, number>(
    async (key, items) => {
      if (state.failing) throw new Error("write refused");
      writes.push({ key, items });
    },
    delayMs,
    maxItems,
  );
  return { group, writes, state };
}

describe("GroupCommit", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes the items of calls made within the delay in one write, in the order they came", async () => {
    const { group, writes } = recorder(20, 100);
    const key = {};
    await Promise.all([group.add(key, [1, 2]), group.add(key, [3]), group.add(key, [4, 5])]);
    expect(writes).toEqual([{ key, items: [1, 2, 3, 4, 5] }]);
  });

  it("closes a group when its first caller wakes: later callers of it leave the next group whole", async () => {
    vi.useFakeTimers();
    const { group, writes } = recorder(20, 100);
    const key = {};
    const calls = [group.add(key, [1])];
    await vi.advanceTimersByTimeAsync(10);
    calls.push(group.add(key, [2]));
    await vi.advanceTimersByTimeAsync(15); // t = 25 ms: the caller of 1 woke at 20 and wrote [1, 2]
    calls.push(group.add(key, [3]));
    await vi.advanceTimersByTimeAsync(10); // t = 35 ms: 3 opened the next group at 25
    calls.push(group.add(key, [4]));
    await vi.advanceTimersByTimeAsync(20);
    await Promise.all(calls);
    expect(writes.map((w) => w.items)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("lets a call that joins an open group return at once: the group's opener writes its items", async () => {
    vi.useFakeTimers();
    const { group, writes } = recorder(20, 100);
    const key = {};
    const opener = group.add(key, [1]);
    await group.add(key, [2]);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(20);
    await opener;
    expect(writes).toEqual([{ key, items: [1, 2] }]);
  });

  it("writes calls separated by more than the delay separately", async () => {
    const { group, writes } = recorder(5, 100);
    const key = {};
    await group.add(key, [1]);
    await group.add(key, [2]);
    expect(writes.map((w) => w.items)).toEqual([[1], [2]]);
  });

  it("never mixes the items of different keys", async () => {
    const { group, writes } = recorder(20, 100);
    const [a, b] = [{}, {}];
    await Promise.all([group.add(a, [1]), group.add(b, [2]), group.add(a, [3])]);
    expect(writes).toHaveLength(2);
    expect(writes.find((w) => w.key === a)?.items).toEqual([1, 3]);
    expect(writes.find((w) => w.key === b)?.items).toEqual([2]);
  });

  it("writes at once, without waiting, when the pending items reach the maximum", async () => {
    const { group, writes } = recorder(60_000, 3);
    const key = {};
    await group.add(key, [1, 2, 3]);
    expect(writes).toEqual([{ key, items: [1, 2, 3] }]);
  });

  it("lets the call that fills an open group write it, and its opener then writes nothing", async () => {
    const { group, writes } = recorder(20, 3);
    const key = {};
    const opener = group.add(key, [1]);
    await group.add(key, [2, 3]);
    expect(writes).toEqual([{ key, items: [1, 2, 3] }]);
    await opener;
    expect(writes).toEqual([{ key, items: [1, 2, 3] }]);
  });

  it("lets a call that finds a group past twice the delay, its opener never woken, write it", async () => {
    vi.useFakeTimers();
    const { group, writes } = recorder(20, 100);
    const key = {};
    const opener = group.add(key, [1]);
    vi.setSystemTime(Date.now() + 41); // the clock moves on, the opener's timer does not fire
    await group.add(key, [2]);
    expect(writes).toEqual([{ key, items: [1, 2] }]);
    await vi.advanceTimersByTimeAsync(20);
    await opener;
    expect(writes).toEqual([{ key, items: [1, 2] }]);
  });

  it("writes nothing for a call without items", async () => {
    const { group, writes } = recorder(5, 100);
    await group.add({}, []);
    expect(writes).toEqual([]);
  });

  it("fails the call that wrote when the write fails, and keeps nothing pending", async () => {
    const { group, writes, state } = recorder(5, 100);
    const key = {};
    state.failing = true;
    await expect(group.add(key, [1])).rejects.toThrow("write refused");
    state.failing = false;
    await group.add(key, [2]);
    expect(writes.map((w) => w.items)).toEqual([[2]]);
  });
});
