/**
 * /v1/admin: the operator's hand on the registry, one small app per resource behind one guard.
 * Every action goes through the same conditional state writer and transitions as the scheduled run,
 * and leaves an audit record with actor "admin".
 */
import { resourceApp } from "../context.js";
import { audit } from "./audit.js";
import { candidate } from "./candidate.js";
import { examples } from "./examples.js";
import { feedbackData } from "./feedback-data.js";
import { requireAdmin } from "./guard.js";
import { models } from "./models.js";
import { pinning } from "./pin.js";
import { policy } from "./policy.js";
import { promotion } from "./promotion.js";
import { sampleRate } from "./sample-rate.js";

export const admin = resourceApp()
  .use("*", requireAdmin)
  .route("/", models)
  .route("/", candidate)
  .route("/", promotion)
  .route("/", pinning)
  .route("/", policy)
  .route("/", sampleRate)
  .route("/", audit)
  .route("/", examples)
  .route("/", feedbackData);
