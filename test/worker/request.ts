/**
 * Calls the Worker's real fetch handler (through its exports) the way a client would; every answer is
 * held to the OpenAPI document (contract.ts) before the test sees it.
 */
import { exports } from "cloudflare:workers";
import { expectConforms } from "./contract.js";

export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(`https://vane.test${path}`, init);
  const response = await exports.default.fetch(request.clone());
  await expectConforms(request, response);
  return response;
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
