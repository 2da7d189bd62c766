/**
 * The request handler of bench/first-session.ts's Workers: models come from the `MODELS` service (a
 * workerd disk service on a scratch directory) instead of R2, so the process holds no isolate but the
 * Worker's and those the bench chooses to start beside it. GET /<file> opens a session on that model
 * file with vane's session opening (src/serving/ort-runtime.ts), runs it once and releases it,
 * between two log lines.
 */
import { onnxRuntime, openSession } from "../../src/serving/ort-runtime.js";

interface BenchEnv {
  MODELS: Fetcher;
}

/** One row of ones for each input, any free dimension at 1: a valid input for the zoo and spam models. */
function onesFeeds(session: Awaited<ReturnType<typeof openSession>>) {
  const ort = onnxRuntime();
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
  for (const input of session.inputMetadata) {
    if (!input.isTensor) throw new Error(`input ${input.name} is not a tensor`);
    const shape = input.shape.map((dim) => (typeof dim === "number" && dim > 0 ? dim : 1));
    const size = shape.reduce((a, b) => a * b, 1);
    feeds[input.name] =
      input.type === "int64"
        ? new ort.Tensor("int64", new BigInt64Array(size).fill(1n), shape)
        : new ort.Tensor("float32", new Float32Array(size).fill(1), shape);
  }
  return feeds;
}

export const firstSession = {
  async fetch(request, env) {
    const file = new URL(request.url).pathname;
    // Marks in workerd's log, between which the bench counts the wasm functions V8 compiled.
    console.log(`first-session: begin ${file}`);
    const stored = await env.MODELS.fetch(`http://models${file}`);
    if (!stored.ok) return new Response(`no model at ${file}`, { status: 404 });
    const session = await openSession(new Uint8Array(await stored.arrayBuffer()));
    try {
      await session.run(onesFeeds(session));
    } finally {
      await session.release();
    }
    console.log(`first-session: end ${file}`);
    return new Response("ok");
  },
} satisfies ExportedHandler<BenchEnv>;
