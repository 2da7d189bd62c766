/**
 * The R2 layout, the only place an object key is spelled: immutable version folders, one mutable
 * state object per model with its audit trail and last evaluation, and the drift and feedback windows.
 * Window keys sort by time within a version: the start is zero-padded epoch milliseconds.
 */

/** A drift or feedback window: one model version, one serving role, one start time. */
export interface WindowAddress {
  model: string;
  version: number;
  role: string;
  start: number;
}

const paddedTime = (epochMs: number) => String(epochMs).padStart(15, "0");

/** Where one kind of window lives: its prefix per version, the listing bound, each window's key. */
export interface WindowLayout {
  prefix(model: string, version: number): string;
  /** The key after which the windows starting at `start` or later are listed. */
  startAfter(model: string, version: number, start: number): string;
  key(window: WindowAddress): string;
}

const windowsOf = (kind: "windows" | "feedback"): WindowLayout => ({
  prefix: (model: string, version: number) => `drift/${kind}/${model}/${version}/`,
  startAfter: (model: string, version: number, start: number) =>
    `drift/${kind}/${model}/${version}/${paddedTime(start - 1)}`,
  key: (w: WindowAddress) => `drift/${kind}/${w.model}/${w.version}/${paddedTime(w.start)}-${w.role}.json`,
});

export const keys = {
  versionPrefix: (name: string) => `models/${name}/`,
  manifest: (name: string, version: number) => `models/${name}/${version}/manifest.json`,
  artifact: (name: string, version: number, file: string) => `models/${name}/${version}/${file}`,
  registryPrefix: "registry/",
  state: (name: string) => `registry/${name}/state.json`,
  auditPrefix: (name: string) => `registry/${name}/audit/`,
  audit: (name: string, id: string) => `registry/${name}/audit/${id}.json`,
  /** Where a model's online updates stopped reading feedback rows (src/promotion/online.ts). */
  online: (name: string) => `registry/${name}/online.json`,
  /** The last scheduled evaluation of a model, for operators. */
  evaluation: (name: string) => `registry/${name}/evaluation.json`,
  driftWindows: windowsOf("windows"),
  feedbackWindows: windowsOf("feedback"),
  /** Counts of drift samples the consumer refused, by reason. */
  rejections: "drift/rejections.json",
};
