/**
 * The cron run: fold the drift samples parked in KV and prune the prediction log past its TTL, then
 * for each model measure, decide and apply (through the one conditional state writer, which
 * re-decides when a concurrent run or an admin got there first), write the evaluation report, and
 * deliver pending webhooks.
 *
 * What is audited: every decision that changes the state (promote, reject, rollback,
 * probation_passed, alert, alert_cleared, active_unavailable, active_recovered). A `wait` changes
 * nothing and is not audited, so the log stays a readable story; the last evaluation of each model,
 * waits included, with all its numbers, is kept at `registry/<name>/evaluation.json` (overwritten
 * each run) and shown by GET /v1/admin/models/{name}.
 */

import { prunePredictions } from "../drift/predictions.js";
import { drainKvSamples } from "../drift/transport.js";
import { type Change, commit, flushAuditOutbox } from "../registry/audit.js";
import { keys } from "../registry/keys.js";
import type { AuditRecord } from "../registry/state.js";
import { listModelNames, type RegistryState } from "../registry/state.js";
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
  error?: string;
}

export interface RunReport {
  at: string;
  drained: number;
  /** Prediction records deleted past their TTL. */
  pruned: number;
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
  const run: ModelRun = { name, decisions: [], final: null, webhook: { delivered: [], failed: [] } };
  const base = policyFromEnv(env);
  const url = webhookUrl(env);
  const readings = new Readings(env, name);
  const at = new Date(now).toISOString();
  let report: Record<string, unknown> | null = null;
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
  const models: ModelRun[] = [];
  for (const name of await listModelNames(env.MODELS))
    models.push(await evaluateModel(env, name, scheduledTime));
  return { at: new Date(scheduledTime).toISOString(), drained, pruned, models };
}
