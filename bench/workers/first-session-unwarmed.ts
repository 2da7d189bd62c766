/** bench/first-session.ts's Worker without the module-scope warm-up: the runtime starts in the first request. */
import { firstSession } from "./first-session-handler.js";

export default firstSession;
