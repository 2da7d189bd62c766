/**
 * Group commit within one isolate. An isolate serves many requests at once; when each appends its
 * items and waits a little before writing, the first to wake writes everything appended meanwhile in
 * one call, instead of one call per request.
 *
 * A group opens with its first item and closes when its first caller wakes, `delayMs` later (or at
 * once when it reaches `maxItems`); that caller writes it. No request ever waits on another's write:
 * workerd ties I/O and promise continuations to the request that started them, so a promise shared
 * across requests can be cancelled with the request that owns it. A caller whose group was written by
 * an earlier caller returns at once: delivery rests with that request, which awaits the write in its
 * own waitUntil.
 */
export class GroupCommit<Key extends object, Item> {
  readonly #pending = new WeakMap<Key, Item[]>();

  /**
   * @param write  writes one group of items, all appended under the same key (e.g. the bindings)
   * @param delayMs  how long a caller waits for others before writing
   * @param maxItems  a group this large is written at once, without waiting
   */
  constructor(
    private readonly write: (key: Key, items: Item[]) => Promise<void>,
    private readonly delayMs: number,
    private readonly maxItems: number,
  ) {}

  /** Appends items; resolves when this caller has written them, or found them taken by another. */
  async add(key: Key, items: readonly Item[]): Promise<void> {
    if (items.length === 0) return;
    const group = this.#pending.get(key) ?? [];
    group.push(...items);
    this.#pending.set(key, group);
    if (group.length < this.maxItems) {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      // Taken by a caller that joined the same group earlier and woke first.
      if (this.#pending.get(key) !== group) return;
    }
    this.#pending.delete(key);
    await this.write(key, group);
  }
}
