/**
 * Turns one answered predict call into drift samples and ships them. It runs in waitUntil, after the
 * response has gone, and swallows its own failures: telemetry must never fail or slow a prediction.
 */
import { isSampled, type ScoredBatch, samplesOf } from "./sampling.js";
import { shipSoon } from "./transport.js";

export async function recordSamples(env: Env, batch: ScoredBatch): Promise<void> {
  // Most requests are outside the sample: they cost no timer and no promise beyond this one.
  if (!batch.manifest.drift || !isSampled(batch.requestId, batch.sampleRate)) return;
  try {
    // Yield first: the caller's response goes out before any sampling work or I/O starts.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await shipSoon(env, samplesOf(batch));
  } catch (error) {
    console.warn(
      JSON.stringify({ event: "drift_ship_failed", requestId: batch.requestId, message: String(error) }),
    );
  }
}
