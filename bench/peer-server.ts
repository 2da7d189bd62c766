/**
 * What a user would run instead of vane: a plain Node service (node:http) that answers the same
 * predict call with the same model and the same text features, its session built before it listens.
 * Peer A runs onnxruntime-node (native, 1 thread), peer B onnxruntime-web (wasm, 1 thread, the
 * Worker's session options): B runs the runtime vane runs, so vane against B is the cost of
 * everything around inference. bench/load.ts spawns both and loads them like vane.
 * Run: node --import tsx bench/peer-server.ts <node|web> <port, 0 for any> <model dir> (prints the port)
 */
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { textFeatureMatrix } from "../src/core/kinds/hashed-text/features.js";
import { Manifest } from "../src/core/manifest.js";
import { WEB_SESSION_OPTIONS } from "../src/core/session-options.js";
import { answer } from "../src/core/tasks/answer.js";
import type { HostTensor } from "../src/core/tensor.js";

const [runtime, portArg, modelDir] = process.argv.slice(2);
const manifest = Manifest.parse(JSON.parse(await readFile(join(modelDir, "manifest.json"), "utf8")));
const spec = manifest.input;
if (spec.kind !== "hashed-text") throw new Error(`${modelDir} is not a hashed-text model`);
const bytes = await readFile(join(modelDir, manifest.model.file));

interface Session {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
}
let session: Session;
let Tensor: new (type: "float32", data: Float32Array, dims: number[]) => unknown;
if (runtime === "node") {
  const ort = await import("onnxruntime-node");
  session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  Tensor = ort.Tensor;
} else {
  const ort = await import("onnxruntime-web");
  ort.env.wasm.numThreads = 1;
  session = await ort.InferenceSession.create(bytes, {
    ...WEB_SESSION_OPTIONS,
    executionProviders: [...WEB_SESSION_OPTIONS.executionProviders],
  });
  Tensor = ort.Tensor;
}

const server = createServer((request, response) => {
  if (request.method === "GET") {
    response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    return;
  }
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", async () => {
    try {
      const { instances } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        instances: Array<{ text: string }>;
      };
      const data = textFeatureMatrix(
        spec,
        instances.map((instance) => instance.text),
      );
      const results = await session.run({
        [spec.input]: new Tensor("float32", data, [instances.length, spec.buckets]),
      });
      const outputs: Record<string, HostTensor> = {};
      for (const [name, tensor] of Object.entries(results)) {
        outputs[name] = { dtype: "float32", dims: tensor.dims, data: tensor.data as Float32Array };
      }
      const predictions = answer(manifest.task, outputs, instances.length);
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ model: manifest.name, version: manifest.version, predictions }));
    } catch (error) {
      response
        .writeHead(400, { "content-type": "application/json" })
        .end(JSON.stringify({ error: String(error) }));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(portArg), "127.0.0.1", () => {
  const address = server.address();
  console.log(typeof address === "object" && address ? address.port : portArg);
});
