/** vane's Worker: HTTP serving (fetch), drift aggregation (queue) and promotion (scheduled). */
import { createApp } from "./api/app.js";
import { consumeSamples } from "./drift/consumer.js";
import { runScheduled } from "./promotion/scheduler.js";
import { warmRuntime } from "./serving/ort-runtime.js";

const app = createApp();
// The runtime's one-time set-up, at module scope: it runs as the isolate starts (which Workers do
// during the TLS handshake), so the first predict finds the runtime ready.
warmRuntime();

export default {
  fetch: app.fetch,
  queue: consumeSamples,
  async scheduled(controller, env) {
    await runScheduled(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
