/** vane's Worker: HTTP serving (fetch), drift aggregation (queue) and promotion (scheduled). */
import { createApp } from "./api/app.js";
import { consumeSamples } from "./drift/consumer.js";
import { runScheduled } from "./promotion/scheduler.js";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeSamples,
  async scheduled(controller, env) {
    await runScheduled(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
