/**
 * ORT sessions, built once per isolate per version and kept within a memory budget: least recently
 * used versions are evicted first, and released only once no inference is running on them. Failed
 * loads are remembered briefly, so a corrupt version costs one R2 read per interval, not per request.
 */
import type { Manifest } from "../core/manifest.js";
import { estimateSessionBytes } from "../core/session-estimate.js";
import { type InferenceSession, type OrtTensor, openSession } from "./ort-runtime.js";

const FAILURE_RETRY_MS = 30_000;

interface Entry {
  session: Promise<InferenceSession>;
  bytes: number;
  inFlight: number;
  evicted: boolean;
}

export type Feeds = Record<string, OrtTensor>;
export type Outputs = Record<string, OrtTensor>;

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly failures = new Map<string, { error: Error; at: number }>();

  constructor(private budgetBytes: number) {}

  setBudget(budgetBytes: number): void {
    this.budgetBytes = budgetBytes;
  }

  /** Cached versions as `name@version`, least recently used first. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  usedBytes(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.bytes;
    return total;
  }

  /** Makes sure `manifest`'s session is built (loading its bytes on first use); throws if it cannot be. */
  async load(manifest: Manifest, loadBytes: () => Promise<ArrayBuffer>): Promise<void> {
    await this.acquire(manifest, loadBytes).session;
  }

  /** Runs one inference on `manifest`'s session. */
  async run(manifest: Manifest, loadBytes: () => Promise<ArrayBuffer>, feeds: Feeds): Promise<Outputs> {
    const entry = this.acquire(manifest, loadBytes);
    entry.inFlight++;
    try {
      const session = await entry.session;
      return (await session.run(feeds)) as Outputs;
    } finally {
      entry.inFlight--;
      if (entry.evicted && entry.inFlight === 0) release(entry);
    }
  }

  private acquire(manifest: Manifest, loadBytes: () => Promise<ArrayBuffer>): Entry {
    const key = `${manifest.name}@${manifest.version}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const failure = this.failures.get(key);
    if (failure && Date.now() - failure.at < FAILURE_RETRY_MS) {
      return { session: Promise.reject(failure.error), bytes: 0, inFlight: 0, evicted: true };
    }
    const entry: Entry = {
      session: build(loadBytes),
      bytes: manifest.memory?.sessionBytes ?? estimateSessionBytes(manifest.model.bytes),
      inFlight: 0,
      evicted: false,
    };
    this.entries.set(key, entry);
    entry.session.then(
      () => this.failures.delete(key),
      (error: Error) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        this.failures.set(key, { error, at: Date.now() });
      },
    );
    this.evictFor(key);
    return entry;
  }

  /** Drops least recently used sessions until the budget holds, never the one just requested. */
  private evictFor(keep: string): void {
    for (const [key, entry] of this.entries) {
      if (this.usedBytes() <= this.budgetBytes) return;
      if (key === keep) continue;
      this.entries.delete(key);
      entry.evicted = true;
      if (entry.inFlight === 0) release(entry);
    }
  }
}

async function build(loadBytes: () => Promise<ArrayBuffer>): Promise<InferenceSession> {
  return openSession(new Uint8Array(await loadBytes()));
}

function release(entry: Entry): void {
  entry.session.then((session) => session.release()).catch(() => undefined);
}
