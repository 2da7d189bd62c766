/** bench/first-session.ts's Worker as vane runs: the runtime warmed at module scope, as src/index.ts warms it. */
import { warmRuntime } from "../../src/serving/ort-runtime.js";
import { firstSession } from "./first-session-handler.js";

warmRuntime();

export default firstSession;
