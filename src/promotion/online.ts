/**
 * Online updates in the scheduled run. When the active version's manifest says `update.mode:
 * "online"`, a run reads the feedback rows labelled since the last run (at most `maxRowsPerRun`),
 * fine-tunes the active version on them (src/core/online-update.ts), proves the new ONNX bytes load
 * and compute what was trained under onnxruntime-web, stores them with a manifest carrying their
 * lineage as the next version, and registers it as the candidate: the promotion policy then judges it
 * on live feedback like any other candidate, and rejects it if it is worse. When the rows it was tuned
 * on kept the instances sent (feedbackData keep "instance"), its drift reference profile is rebuilt
 * from them, so drift and data quality judge it against the population it learnt; rows that kept only
 * the model's features leave it its parent's profile.
 *
 * A run does nothing while the model is pinned, has a candidate under evaluation, or its active
 * version is on probation: each update builds on a version the policy has accepted.
 */
import { z } from "zod";
import { limits } from "../config.js";
import { type DriftValues, driftValues } from "../core/drift-features.js";
import { type FeedbackRow, keptInstances } from "../core/feedback-row.js";
import { Manifest } from "../core/manifest.js";
import { fineTuneOnline, type OnlineCheck, usableRows } from "../core/online-update.js";
import { buildProfile, type Profile } from "../core/profile.js";
import { answer } from "../core/tasks/answer.js";
import type { HostTensor } from "../core/tensor.js";
import type { Lineage } from "../core/update-spec.js";
import { type LabelCursor, readLabelledSince } from "../drift/feedback-data.js";
import { commit } from "../registry/audit.js";
import { keys } from "../registry/keys.js";
import { listVersions, readManifest } from "../registry/manifests.js";
import { writeProfile } from "../registry/profiles.js";
import { readStateFromR2 } from "../registry/state.js";
import { registerCandidate } from "../registry/transitions.js";
import { prepareBatch } from "../serving/featurizers.js";
import { sha256Hex } from "../serving/model-loader.js";
import { onnxRuntime, openSession } from "../serving/ort-runtime.js";
import { webhookUrl } from "./policy.js";

/** Largest difference allowed between onnxruntime-web's outputs and the trainer's for the same rows. */
const CHECK_TOLERANCE = 1e-4;

const OnlineProgress = z.object({
  /** The last feedback row read, in labelling order; null before the first run. */
  cursor: z
    .object({
      labelledAt: z.number(),
      requestId: z.string(),
      index: z.number().int(),
      time: z.number(),
    })
    .nullable(),
  updatedAt: z.iso.datetime(),
});
type OnlineProgress = z.infer<typeof OnlineProgress>;

export interface OnlineRun {
  outcome: "published" | "skipped" | "waiting";
  reason: string;
  /** The version trained from, and the one published. */
  parent: number;
  version?: number;
  rows: number;
  trainRows?: number;
  heldOutRows?: number;
  metrics?: Record<string, number>;
}

async function readProgress(bucket: R2Bucket, name: string): Promise<OnlineProgress | null> {
  const object = await bucket.get(keys.online(name));
  if (!object) return null;
  const parsed = OnlineProgress.safeParse(await object.json().catch(() => null));
  return parsed.success ? parsed.data : null;
}

async function saveProgress(
  bucket: R2Bucket,
  name: string,
  cursor: LabelCursor | null,
  at: string,
): Promise<void> {
  const progress: OnlineProgress = { cursor, updatedAt: at };
  await bucket.put(keys.online(name), JSON.stringify(progress), {
    httpMetadata: { contentType: "application/json" },
  });
}

/** Why the written bytes may not be published: null when onnxruntime-web computes what was trained. */
async function bytesRefusal(
  bytes: Uint8Array,
  manifest: Manifest,
  check: OnlineCheck,
): Promise<string | null> {
  const input = manifest.inputs[0];
  if (manifest.task.kind !== "classification") return "not a classifier";
  const output = manifest.task.output;
  let session: Awaited<ReturnType<typeof openSession>> | undefined;
  try {
    session = await openSession(bytes);
    const ort = onnxRuntime();
    const width = check.features.length / Math.max(check.rows, 1);
    const outputs = await session.run({
      [input.name]: new ort.Tensor("float32", check.features, [check.rows, width]),
    });
    const computed = outputs[output]?.data as Float32Array | undefined;
    if (!computed || computed.length !== check.outputs.length)
      return `onnxruntime-web gave no ${output} of the trained size`;
    for (let i = 0; i < computed.length; i++) {
      if (!Number.isFinite(computed[i]) || Math.abs(computed[i] - check.outputs[i]) > CHECK_TOLERANCE) {
        return `onnxruntime-web computed ${computed[i]} where the trained weights give ${check.outputs[i]}`;
      }
    }
    return null;
  } catch (error) {
    return `onnxruntime-web cannot run the new bytes: ${String(error)}`;
  } finally {
    await session?.release();
  }
}

/**
 * The drift reference of the instances the update was tuned on, scored by its own bytes as the edge
 * would score them (the parent's input kind and drift features); null when the rows kept no instances.
 */
async function tunedProfile(
  env: Env,
  parent: Manifest,
  version: number,
  bytes: Uint8Array,
  trained: readonly FeedbackRow[],
): Promise<Profile | null> {
  const spec = parent.drift;
  const instances = keptInstances(trained);
  if (!spec || !parent.profile || instances.length === 0) return null;
  const config = limits(env);
  const ort = onnxRuntime();
  const session = await openSession(bytes);
  const values: DriftValues[] = [];
  try {
    for (let start = 0; start < instances.length; start += config.maxBatch) {
      const chunk = instances.slice(start, start + config.maxBatch);
      const batch = await prepareBatch(env.MODELS, parent, { instances: chunk }, config);
      const feeds = Object.fromEntries(
        Object.entries(batch.feeds).map(([name, t]) => [name, new ort.Tensor(t.dtype, t.data, t.dims)]),
      );
      const outputs: Record<string, HostTensor> = Object.fromEntries(
        Object.entries(await session.run(feeds)).map(([name, t]) => [
          name,
          { dtype: t.type as HostTensor["dtype"], dims: t.dims, data: t.data as HostTensor["data"] },
        ]),
      );
      const predictions = answer(parent.task, outputs, batch.size);
      for (let index = 0; index < batch.size; index++) {
        const scored = { index, size: batch.size, batch, outputs, prediction: predictions?.[index] };
        values.push(driftValues(spec, scored, parent.task));
      }
    }
  } finally {
    await session.release();
  }
  return buildProfile(spec, values, {
    name: parent.name,
    version,
    source: { onlineFrom: `${parent.name}@${parent.version}`, feedbackInstances: instances.length },
  });
}

/** Copies the parent's files the new version shares with it (input-kind assets, and its drift profile unless rebuilt). */
async function copySharedFiles(
  bucket: R2Bucket,
  parent: Manifest,
  version: number,
  withProfile: boolean,
): Promise<void> {
  const profile = withProfile && parent.profile ? [parent.profile] : [];
  const files = [...profile, ...parent.assets.map((asset) => asset.file)];
  for (const file of files) {
    const object = await bucket.get(keys.artifact(parent.name, parent.version, file));
    if (!object) throw new Error(`${parent.name}@${parent.version} has no ${file} to carry over`);
    await bucket.put(keys.artifact(parent.name, version, file), await object.arrayBuffer());
  }
}

function windowOf(rows: readonly FeedbackRow[]): { from?: string; to?: string } {
  if (rows.length === 0) return {};
  const times = rows.map((row) => Date.parse(row.time));
  return {
    from: new Date(Math.min(...times)).toISOString(),
    to: new Date(Math.max(...times)).toISOString(),
  };
}

/** The scheduled run's online update of one model; null when its active version does not ask. */
export async function runOnlineUpdate(env: Env, name: string, now: number): Promise<OnlineRun | null> {
  const stored = await readStateFromR2(env.MODELS, name);
  const state = stored?.state;
  if (!state || state.active === null) return null;
  const parent = await readManifest(env.MODELS, name, state.active).catch(() => null);
  const update = parent?.update;
  if (!parent || !update) return null;
  const base = { parent: parent.version, rows: 0 };
  if (state.pinned) return { ...base, outcome: "waiting", reason: "the model is pinned" };
  if (state.candidate)
    return {
      ...base,
      outcome: "waiting",
      reason: `candidate ${state.candidate.version} is under evaluation`,
    };
  if (state.probation)
    return { ...base, outcome: "waiting", reason: `version ${parent.version} is on probation` };

  const at = new Date(now).toISOString();
  const progress = await readProgress(env.MODELS, name);
  const read = await readLabelledSince(env.PREDICTIONS, name, progress?.cursor ?? null, update.maxRowsPerRun);
  const cursor = read.at(-1)?.cursor ?? progress?.cursor ?? null;
  const rows = usableRows(
    parent,
    read.map((entry) => entry.row),
  );
  const counted = { ...base, rows: rows.length };
  if (rows.length < update.minRows) {
    // A full read of rows it cannot use is passed over, else the next run would read the same ones.
    if (read.length < update.maxRowsPerRun) {
      return {
        ...counted,
        outcome: "waiting",
        reason: `${rows.length} of the ${update.minRows} rows it needs`,
      };
    }
    await saveProgress(env.MODELS, name, cursor, at);
    return {
      ...counted,
      outcome: "skipped",
      reason: `only ${rows.length} of ${read.length} rows are usable`,
    };
  }

  const parentBytes = await env.MODELS.get(keys.artifact(name, parent.version, parent.model.file));
  if (!parentBytes) throw new Error(`${name}@${parent.version} has no model object`);
  const outcome = fineTuneOnline(new Uint8Array(await parentBytes.arrayBuffer()), parent, rows, update);
  const numbers = {
    trainRows: outcome.trainRows,
    heldOutRows: outcome.heldOutRows,
    metrics: outcome.metrics,
  };
  if (outcome.kind === "skipped") {
    await saveProgress(env.MODELS, name, cursor, at);
    return { ...counted, ...numbers, outcome: "skipped", reason: outcome.reason };
  }
  const refusal = await bytesRefusal(outcome.bytes, parent, outcome.check);
  if (refusal) {
    await saveProgress(env.MODELS, name, cursor, at);
    console.error(
      JSON.stringify({ event: "online_update_refused", name, parent: parent.version, reason: refusal }),
    );
    return { ...counted, ...numbers, outcome: "skipped", reason: refusal };
  }

  const version = Math.max(0, ...(await listVersions(env.MODELS, name))) + 1;
  const lineage: Lineage = {
    parent: { version: parent.version },
    method: "online",
    createdAt: at,
    data: { ...windowOf(rows), feedbackRows: rows.length, heldOutRows: outcome.heldOutRows },
    metrics: outcome.metrics,
  };
  const manifest = Manifest.parse({
    ...parent,
    version,
    createdAt: at,
    description: `online update of version ${parent.version} on ${rows.length} feedback rows`,
    model: {
      file: parent.model.file,
      sha256: await sha256Hex(outcome.bytes.slice().buffer),
      bytes: outcome.bytes.length,
    },
    metrics: {},
    training: {},
    lineage,
  });
  const profile = await tunedProfile(env, parent, version, outcome.bytes, outcome.trained).catch((error) => {
    // Kept instances the parent's input kind no longer takes: the parent's reference stays.
    console.error(
      JSON.stringify({ event: "online_profile_kept", name, parent: parent.version, reason: String(error) }),
    );
    return null;
  });
  await env.MODELS.put(keys.artifact(name, version, manifest.model.file), outcome.bytes);
  await copySharedFiles(env.MODELS, parent, version, profile === null);
  if (profile) await writeProfile(env.MODELS, manifest, profile);
  // The manifest last, and only if no other run took the version number meanwhile.
  const written = await env.MODELS.put(keys.manifest(name, version), JSON.stringify(manifest), {
    onlyIf: new Headers({ "if-none-match": "*" }),
    httpMetadata: { contentType: "application/json" },
  });
  if (!written)
    return { ...counted, ...numbers, outcome: "waiting", reason: `version ${version} was taken meanwhile` };
  await saveProgress(env.MODELS, name, cursor, at);
  await commit(
    env,
    name,
    ({ state: current }) => {
      // Registered only onto the state it was trained for.
      if (current.active !== parent.version || current.candidate || current.pinned) return null;
      return {
        action: "register_candidate",
        reason: `online update of version ${parent.version} on ${rows.length} feedback rows`,
        version,
        numbers: { lineage, mode: update.candidate.mode, share: update.candidate.share },
        next: registerCandidate(current, { version, ...update.candidate }, at),
      };
    },
    { actor: "scheduler", webhookUrl: webhookUrl(env) },
  );
  return { ...counted, ...numbers, outcome: "published", reason: "registered as the candidate", version };
}
