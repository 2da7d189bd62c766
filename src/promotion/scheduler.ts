/**
 * The cron run: fold the drift samples parked in KV, prune the prediction log past its TTL and the
 * kept training data past its retention and bounds, then for each model measure, decide and apply
 * (through the one conditional state writer, which re-decides when a concurrent run or an admin got
 * there first), write the evaluation report, and deliver pending webhooks.
 *
 * What is audited: every decision that changes the state (promote, reject, rollback,
 * probation_passed, alert, alert_cleared, active_unavailable, active_recovered). A `wait` changes
 * nothing and is not audited, so the log stays a readable story; the last evaluation of each model,
 * waits included, with all its numbers, is kept at `registry/<name>/evaluation.json` (overwritten
 * each run) and shown by GET /v1/admin/models/{name}.
 */

import { pruneFeedbackData } from "../drift/feedback-data.js";
import { PREDICTION_TTL_MS, prunePredictions } from "../drift/predictions.js";
import { drainKvSamples } from "../drift/transport.js";
import { type Change, commit, flushAuditOutbox } from "../registry/audit.js";
import { keys } from "../registry/keys.js";
import { readManifest } from "../registry/manifests.js";
import type { AuditRecord } from "../registry/state.js";
import { listModelNames, type RegistryState, readStateFromR2 } from "../registry/state.js";
import {
  closeAlert,
  dropCandidate,
  endProbation,
  markActiveRecovered,
  markActiveUnavailable,
  openAlert,
  promote,
  rollback,
} from "../registry/transitions.js";
import { type Decision, decide, type Evaluation } from "./decide.js";
import { evaluate, Readings } from "./evaluate.js";
import { type OnlineRun, runOnlineUpdate } from "./online.js";
import { effectivePolicy, type Policy, policyFromEnv, webhookUrl } from "./policy.js";
import { type FlushOutcome, flushDeliveries } from "./webhook.js";

/** Decisions one model may take in one run (each one re-reads the state it changed). */
const MAX_STEPS = 6;

export interface ModelRun {
  name: string;
  /** Audit records written for this model in this run. */
  decisions: AuditRecord[];
  /** The decision the run ended on (a wait, or the last change). */
  final: Decision | null;
  webhook: FlushOutcome;
  /** The online update this run made or passed on; null for models that do not ask for one. */
  online: OnlineRun | null;
  error?: string;
}

export interface RunReport {
  at: string;
  drained: number;
  /** Prediction records deleted past their TTL. */
  pruned: number;
  /** Kept training-data rows deleted past their retention or beyond their model's bound. */
  prunedFeedbackData: number;
  models: ModelRun[];
}

/** The audit numbers behind a decision: the policy and the measurements it was taken on. */
export function decisionNumbers(evaluation: Evaluation, policy: Policy): Record<string, unknown> {
  return {
    since: new Date(evaluation.since).toISOString(),
    active: evaluation.active,
    candidate: evaluation.candidate,
    comparison: evaluation.comparison,
    probation: evaluation.probation,
    policy,
  };
}

/** Turns a decision into a state change (null for a wait). */
export function changeFor(
  state: RegistryState,
  decision: Decision,
  numbers: Record<string, unknown>,
  at: string,
): Change | null {
  const base = { action: decision.action, reason: decision.reason, version: decision.version, numbers };
  switch (decision.action) {
    case "wait":
      return null;
    case "promote":
      return { ...base, next: promote(state, decision.version, at, "scheduler") };
    case "reject":
      return { ...base, next: dropCandidate(state) };
    case "rollback":
      return { ...base, numbers: { ...numbers, restored: decision.restore }, next: rollback(state) };
    case "probation_passed":
      return { ...base, next: endProbation(state) };
    case "alert":
      return { ...base, next: openAlert(state, decision.features, at) };
    case "alert_cleared":
      return { ...base, next: closeAlert(state) };
    case "active_unavailable":
      return { ...base, next: markActiveUnavailable(state, decision.reason, at) };
    case "active_recovered":
      return { ...base, next: markActiveRecovered(state) };
  }
}

export async function evaluateModel(env: Env, name: string, now: number): Promise<ModelRun> {
  const run: ModelRun = {
    name,
    decisions: [],
    final: null,
    webhook: { delivered: [], failed: [] },
    online: null,
  };
  const base = policyFromEnv(env);
  const url = webhookUrl(env);
  const readings = new Readings(env, name);
  const at = new Date(now).toISOString();
  let report: Record<string, unknown> | null = null;
  // Before the policy runs, so a candidate it publishes is judged from this run on.
  try {
    run.online = await runOnlineUpdate(env, name, now);
    if (run.online) console.log(JSON.stringify({ event: "online_update", name, ...run.online }));
  } catch (error) {
    console.error(JSON.stringify({ event: "online_update_failed", name, message: String(error) }));
  }
  try {
    for (let step = 0; step < MAX_STEPS; step++) {
      const result = await commit(
        env,
        name,
        async ({ state }) => {
          const policy = effectivePolicy(base, state.policy);
          const evaluation = await evaluate(readings, state, policy, now);
          const decision = decide(state, evaluation, policy);
          const numbers = decisionNumbers(evaluation, policy);
          run.final = decision;
          report = { at, decision, ...numbers };
          return changeFor(state, decision, numbers, at);
        },
        { actor: "scheduler", webhookUrl: url },
      );
      if (!result?.committed) break;
      run.decisions.push(result.record);
    }
    if (report) {
      await env.MODELS.put(keys.evaluation(name), JSON.stringify(report), {
        httpMetadata: { contentType: "application/json" },
      });
    }
  } catch (error) {
    run.error = String(error);
    console.error(JSON.stringify({ event: "promotion_run_failed", name, message: run.error }));
  }
  try {
    run.webhook = await flushDeliveries(env, name, url);
  } catch (error) {
    console.error(JSON.stringify({ event: "webhook_flush_failed", name, message: String(error) }));
  }
  try {
    await flushAuditOutbox(env, name);
  } catch (error) {
    console.error(JSON.stringify({ event: "audit_flush_failed", name, message: String(error) }));
  }
  console.log(
    JSON.stringify({
      event: "promotion_run",
      name,
      decisions: run.decisions.map((d) => d.action),
      final: run.final?.action,
      reason: run.final?.reason,
    }),
  );
  return run;
}

/**
 * Each model's bound on kept training data: the larger `feedbackData.maxRows` of its active and
 * candidate versions, 0 (keep nothing) when neither asks. A model whose state or manifests cannot be
 * read now keeps its rows until a run that can.
 */
async function feedbackDataBounds(env: Env, names: readonly string[]): Promise<Map<string, number>> {
  const bounds = new Map<string, number>();
  for (const name of names) {
    try {
      const state = (await readStateFromR2(env.MODELS, name))?.state;
      let bound = 0;
      for (const version of [state?.active, state?.candidate?.version]) {
        if (version === null || version === undefined) continue;
        const manifest = await readManifest(env.MODELS, name, version);
        bound = Math.max(bound, manifest?.feedbackData?.maxRows ?? 0);
      }
      bounds.set(name, bound);
    } catch (error) {
      bounds.set(name, Number.MAX_SAFE_INTEGER);
      console.warn(JSON.stringify({ event: "feedback_data_bound_unknown", name, message: String(error) }));
    }
  }
  return bounds;
}

/** The Worker's scheduled() body. */
export async function runScheduled(env: Env, scheduledTime: number): Promise<RunReport> {
  let drained = 0;
  try {
    drained = await drainKvSamples(env);
  } catch (error) {
    console.error(JSON.stringify({ event: "kv_drain_failed", message: String(error) }));
  }
  let pruned = 0;
  try {
    pruned = await prunePredictions(env.PREDICTIONS, scheduledTime);
  } catch (error) {
    console.error(JSON.stringify({ event: "prediction_prune_failed", message: String(error) }));
  }
  const names = await listModelNames(env.MODELS);
  let prunedFeedbackData = 0;
  try {
    const bounds = await feedbackDataBounds(env, names);
    prunedFeedbackData = await pruneFeedbackData(env.PREDICTIONS, bounds, scheduledTime, PREDICTION_TTL_MS);
  } catch (error) {
    console.error(JSON.stringify({ event: "feedback_data_prune_failed", message: String(error) }));
  }
  const models: ModelRun[] = [];
  for (const name of names) models.push(await evaluateModel(env, name, scheduledTime));
  return { at: new Date(scheduledTime).toISOString(), drained, pruned, prunedFeedbackData, models };
}
