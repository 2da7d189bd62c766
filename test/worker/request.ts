/** Calls the Worker's real fetch handler (through its exports) the way a client would. */
import { exports } from "cloudflare:workers";

export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`https://vane.test${path}`, init));
}

export async function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return call(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export interface ProblemBody {
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
}
