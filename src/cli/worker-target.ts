/**
 * Which Worker the ops commands talk to, and with which admin token: `--url` and the
 * VANE_ADMIN_TOKEN variable; without `--url`, the local `npm run dev` server and, unless the
 * variable is set, the ADMIN_TOKEN of the project's .dev.vars it serves with. Failures get the hint
 * that fixes them (start the server, set the variable).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../toolchain/local-r2.js";
import { UnauthorizedError, UnreachableError, WorkerClient } from "../toolchain/worker-client.js";
import { CliError, type CommandContext, type OptionSpec } from "./command.js";

/** What `npm run dev` (wrangler dev) serves. */
export const LOCAL_URL = "http://localhost:8787";
export const TOKEN_VARIABLE = "VANE_ADMIN_TOKEN";

export const targetOptions: Record<string, OptionSpec> = {
  url: {
    type: "string",
    description: `the Worker (default: ${LOCAL_URL}, what npm run dev serves); the admin token is read from ${TOKEN_VARIABLE}, or for a local Worker from .dev.vars`,
  },
};

interface Token {
  value: string | undefined;
  /** Where it came from, for the message when the Worker refuses it. */
  source: string;
}

/** The KEY=value lines of a .dev.vars file (values optionally quoted); none when the file is missing. */
export function readDevVars(file: string = join(projectRoot(), ".dev.vars")): Record<string, string> {
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .split(/\r?\n/)
      .flatMap((line) => {
        const pair = /^\s*([A-Za-z_]\w*)\s*=\s*(.*)$/.exec(line);
        return pair ? [[pair[1], pair[2].trim().replace(/^(["'])(.*)\1$/, "$2")]] : [];
      }),
  );
}

/** ADMIN_TOKEN from the .dev.vars wrangler dev reads. */
export function devVarsAdminToken(): string | undefined {
  return readDevVars().ADMIN_TOKEN;
}

function tokenFor(local: boolean): Token {
  const fromEnv = process.env[TOKEN_VARIABLE];
  if (fromEnv) return { value: fromEnv, source: `the token in ${TOKEN_VARIABLE}` };
  const fromDevVars = local ? devVarsAdminToken() : undefined;
  if (fromDevVars) return { value: fromDevVars, source: "the ADMIN_TOKEN of .dev.vars" };
  return { value: undefined, source: `no token (${TOKEN_VARIABLE} is not set)` };
}

function parseUrl(given: string): URL {
  try {
    const url = new URL(given);
    if (url.protocol === "http:" || url.protocol === "https:") return url;
  } catch {
    // Reported below with what was given.
  }
  throw new CliError(`--url must be an http(s) URL, got ${JSON.stringify(given)}`);
}

/** Runs `work` against the chosen Worker; a refused token or a silent host gets its fix in the message. */
export async function withWorker<T>(
  context: CommandContext,
  work: (worker: WorkerClient) => Promise<T>,
): Promise<T> {
  const given = typeof context.values.url === "string" ? context.values.url : undefined;
  const url = parseUrl(given ?? LOCAL_URL);
  const token = tokenFor(given === undefined);
  try {
    return await work(new WorkerClient({ url: url.href, token: token.value }));
  } catch (error) {
    if (error instanceof UnauthorizedError) {
      throw new UnauthorizedError(`${error.message} [sent ${token.source}]`, { cause: error });
    }
    if (error instanceof UnreachableError && given === undefined) {
      throw new UnreachableError(`${error.message}: start it with npm run dev, or name a Worker with --url`, {
        cause: error,
      });
    }
    throw error;
  }
}
