/**
 * Group commit within one isolate. An isolate serves many requests at once; when each appends its
 * items and the first waits a little before writing, that first caller writes everything appended
 * meanwhile in one call, instead of one call per request.
 *
 * A group opens with its first item and closes when its opener wakes, `delayMs` later (or at once
 * when it reaches `maxItems`, by the call that filled it); that caller writes it, in its own
 * waitUntil. No request ever waits on another's write: workerd ties I/O and promise continuations to
 * the request that started them, so a promise shared across requests can be cancelled with the
 * request that owns it. A call that joins an open group returns at once: delivery rests with the
 * opener, and the joiner costs no timer. Should the opener never wake (its request gone), the first
 * call to find the group past twice the delay takes it over and writes it.
 */
export class GroupCommit<Key extends object, Item> {
  readonly #pending = new WeakMap<Key, { items: Item[]; openedAt: number }>();

  /**
   * @param write  writes one group of items, all appended under the same key (e.g. the bindings)
   * @param delayMs  how long the opener of a group waits for others before writing
   * @param maxItems  a group this large is written at once, without waiting
   */
  constructor(
    private readonly write: (key: Key, items: Item[]) => Promise<void>,
    private readonly delayMs: number,
    private readonly maxItems: number,
  ) {}

  /** Appends items; resolves once they are written by this call, or handed to the group's writer. */
  async add(key: Key, items: readonly Item[]): Promise<void> {
    if (items.length === 0) return;
    const now = Date.now();
    const open = this.#pending.get(key);
    const group = open ?? { items: [], openedAt: now };
    group.items.push(...items);
    if (group.items.length >= this.maxItems || (open && now - open.openedAt > 2 * this.delayMs)) {
      this.#pending.delete(key);
      await this.write(key, group.items);
      return;
    }
    if (open) return;
    this.#pending.set(key, group);
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    // Taken by a call that filled it to maxItems, or found it overdue, meanwhile.
    if (this.#pending.get(key) !== group) return;
    this.#pending.delete(key);
    await this.write(key, group.items);
  }
}
