/** Runs the real `vane` CLI (bin/vane.js) in a child process, as a user would. */
import { execFile } from "node:child_process";
import { join } from "node:path";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export const REPO = join(import.meta.dirname, "../..");

export function vane(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile("node", ["bin/vane.js", ...args], { cwd: REPO, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}
