/** vane's Worker: HTTP serving (fetch) and drift aggregation (queue). */
import { createApp } from "./api/app.js";
import { consumeSamples } from "./drift/consumer.js";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeSamples,
} satisfies ExportedHandler<Env>;
