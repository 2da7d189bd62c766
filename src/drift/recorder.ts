/**
 * Turns one answered predict call into drift samples and ships them. It runs in waitUntil, after the
 * response has gone, and swallows its own failures: telemetry must never fail or slow a prediction.
 */
import { type ScoredBatch, samplesOf } from "./sampling.js";
import { shipSamples } from "./transport.js";

export async function recordSamples(env: Env, batch: ScoredBatch): Promise<void> {
  try {
    // Yield first: the caller's response goes out before any sampling work or I/O starts.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await shipSamples(env, samplesOf(batch), batch.requestId);
  } catch (error) {
    console.warn(
      JSON.stringify({ event: "drift_ship_failed", requestId: batch.requestId, message: String(error) }),
    );
  }
}
