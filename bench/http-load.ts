/**
 * A small HTTP load generator for the local Worker, timed with performance.now() (autocannon reports
 * whole milliseconds, too coarse for a 5% comparison of ~10 ms latencies).
 *
 * Two shapes:
 * - closed loop: `connections` callers, each sending its next request when the last one answered;
 *   the server is saturated, so this measures throughput (and latency at saturation).
 * - open loop: requests start on a fixed schedule whatever the answers, as real users' do; latency is
 *   measured from the earlier of the scheduled start and the actual send, so a stalled server (or a
 *   stalled generator) cannot hide its queue (no coordinated omission), and a timer that fires early
 *   (Node's do, by up to ~2 ms) cannot make a latency shorter than the request took.
 */
import { Agent, request } from "node:http";

export interface Target {
  host: string;
  port: number;
  path: string;
  /** A JSON body makes it a POST. */
  body?: string;
}

export interface LoadResult {
  /** Latency of each request, in ms. */
  latencies: number[];
  failed: number;
  /** What the first failed requests got (status and body, or the socket's error). */
  failures: string[];
  /** Wall time of the whole run, in ms. */
  durationMs: number;
}

/** Sends one request; resolves with null when answered 200, else with what went wrong. */
function send(target: Target, agent: Agent): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: target.host,
        port: target.port,
        path: target.path,
        method: target.body === undefined ? "GET" : "POST",
        headers: target.body === undefined ? {} : { "content-type": "application/json" },
        agent,
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          if (response.statusCode !== 200 && body.length < 300) body += chunk;
        });
        response.on("end", () =>
          resolve(response.statusCode === 200 ? null : `${response.statusCode}: ${body.slice(0, 300)}`),
        );
        response.on("error", (error) => resolve(`response: ${error.message}`));
      },
    );
    req.on("error", (error) => resolve(`request: ${error.message}`));
    req.end(target.body);
  });
}

/** The first few failures of a run are kept, to say why (a load bench that only counts them cannot). */
const KEPT_FAILURES = 5;

/**
 * One keep-alive pool per run: a socket left idle by an earlier run may be closed by the server just
 * as it is reused, which would fail a request for a reason that has nothing to do with the Worker.
 */
const freshAgent = () => new Agent({ keepAlive: true, maxSockets: 256 });

export async function closedLoop(target: Target, connections: number, total: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  const failures: string[] = [];
  let issued = 0;
  const agent = freshAgent();
  const began = performance.now();
  const caller = async () => {
    while (issued < total) {
      issued++;
      const start = performance.now();
      const failure = await send(target, agent);
      if (failure !== null) {
        failed++;
        if (failures.length < KEPT_FAILURES) failures.push(failure);
      }
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: connections }, caller));
  agent.destroy();
  return { latencies, failed, failures, durationMs: performance.now() - began };
}

export async function openLoop(target: Target, perSecond: number, total: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  const failures: string[] = [];
  const agent = freshAgent();
  const began = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const scheduled = began + (i * 1000) / perSecond;
    const wait = scheduled - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const from = Math.min(scheduled, performance.now());
    inFlight.push(
      send(target, agent).then((failure) => {
        if (failure !== null) {
          failed++;
          if (failures.length < KEPT_FAILURES) failures.push(failure);
        }
        latencies.push(performance.now() - from);
      }),
    );
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { latencies, failed, failures, durationMs: performance.now() - began };
}

export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.ceil(at)] - sorted[low]) * (at - low);
}
