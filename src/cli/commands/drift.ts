/**
 * `vane drift <model>`: each version's drift against its reference profile over a lookback, per
 * serving role, a line per feature (PSI, KS or chi-square, data quality and its shares), the ones above the PSI
 * threshold flagged, sorted by PSI.
 */
import { DEFAULT_POLICY } from "../../core/policy.js";
import type { WorkerClient } from "../../toolchain/worker-client.js";
import type { Command } from "../command.js";
import { type Cell, table } from "../table.js";
import { targetOptions, withWorker } from "../worker-target.js";
import { modelName, positionals, versionNumber } from "./ops-arguments.js";
import { fractionOption, positiveOption } from "./training-options.js";

type Report = Awaited<ReturnType<WorkerClient["drift"]>>;
type FeatureStats = Report["versions"][number]["byRole"][string]["features"][string];

/** The PSI to sort by: features without one (no data, data quality) go last. */
const psiOf = (stats: FeatureStats) =>
  stats && "psi" in stats && typeof stats.psi === "number" ? stats.psi : -1;

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

const USAGE = "vane drift <model> [--window 24h] [--version <n>] [--psi 0.2] [--url <worker>] [--json]";

const fixed = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined ? null : value.toFixed(digits);

export const drift: Command = {
  name: "drift",
  summary: "drift of the active and candidate versions against their reference profiles, per feature",
  usage: USAGE,
  options: {
    window: { type: "string", default: "24h", description: "how far back: 30m, 24h, 7d" },
    version: { type: "string", description: "only this version (default: the active and the candidate)" },
    psi: {
      type: "string",
      default: String(DEFAULT_POLICY.driftPsi),
      description: "flag features whose PSI is above this (vane status shows the model's own threshold)",
    },
    ...targetOptions,
  },
  async run(context) {
    const [model] = positionals(context, USAGE, ["model"]);
    const name = modelName(model);
    const threshold = positiveOption(context, "psi");
    fractionOption(context, "psi", "a PSI threshold from 0 to 1");
    const version =
      typeof context.values.version === "string"
        ? versionNumber(context.values.version, "--version")
        : undefined;
    const report = await withWorker(context, (worker) =>
      worker.drift(name, { window: context.values.window as string, version }),
    );
    const sections = report.versions.map((entry) => {
      const roles = Object.entries(entry.byRole).map(([role, reading]) => {
        const rows: Cell[][] = Object.entries(reading.features)
          .sort(([, a], [, b]) => psiOf(b) - psiOf(a))
          .map(([feature, stats]) => {
            if (stats === null) return [feature, null, null, null, null, null, "no data"];
            const flag = (psi: number) => (psi > threshold ? "drifted" : null);
            if (stats.kind === "numeric") {
              const { ks } = stats;
              const row = [fixed(stats.psi), fixed(ks.statistic), fixed(ks.pValue, 4), flag(stats.psi)];
              return [feature, stats.kind, stats.count, ...row];
            }
            if (stats.kind === "categorical") {
              const row = [fixed(stats.psi), null, fixed(stats.chiSquare.pValue, 4), flag(stats.psi)];
              return [feature, stats.kind, stats.count, ...row];
            }
            if (stats.kind === "data-quality-shares") {
              const problems = Object.entries(stats.shares)
                .filter(([, share]) => share > 0)
                .map(
                  ([state, share]) =>
                    `${percent(share)} ${state} (ref ${percent(stats.referenceShares[state] ?? 0)})`,
                );
              return [feature, stats.kind, stats.count, null, null, null, problems.join(", ") || "all ok"];
            }
            // Data quality: no distance to a reference, the reason is the reading.
            return [
              feature,
              stats.kind,
              stats.count,
              null,
              null,
              null,
              "reason" in stats ? stats.reason : null,
            ];
          });
        const latency = reading.latencyMs
          ? `, latency p50 ${reading.latencyMs.p50.toFixed(1)} ms, p99 ${reading.latencyMs.p99.toFixed(1)} ms`
          : "";
        return `  as ${role}: ${reading.samples} samples${latency}\n${table(
          ["feature", "kind", "n", "PSI", "KS D", "p-value", "flag"],
          rows,
        )
          .split("\n")
          .map((line) => `    ${line}`)
          .join("\n")}`;
      });
      const reference =
        entry.referenceSamples === null
          ? "no reference profile"
          : `reference of ${entry.referenceSamples} rows`;
      return [
        `version ${entry.version} (${entry.role}): ${entry.samples} samples, ${reference}`,
        ...roles,
      ].join("\n");
    });
    return {
      data: report,
      text: [
        `${report.model} from ${report.from} to ${report.until} (${report.window}, windows of ${report.windowSeconds} s); flagged: PSI above ${threshold}`,
        ...(sections.length > 0 ? sections : ["no active or candidate version"]),
      ].join("\n\n"),
    };
  },
};
