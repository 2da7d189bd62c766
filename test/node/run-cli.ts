/** Runs the real `vane` CLI (bin/vane.js) in a child process, as a user would. */
import { execFile } from "node:child_process";
import { join } from "node:path";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export const REPO = join(import.meta.dirname, "../..");

/** `vane <args>`, run from the repository unless `cwd` says where the user stands. */
export function vane(args: string[], cwd = REPO, env?: NodeJS.ProcessEnv): Promise<CliRun> {
  return run("node", [join(REPO, "bin/vane.js"), ...args], cwd, env);
}

/** Any command line, in a child process (with `env` for its whole environment, if given). */
export function run(
  command: string,
  args: string[],
  cwd: string,
  env?: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}
