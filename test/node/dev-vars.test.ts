/** readDevVars: the KEY=value lines of a .dev.vars file, as wrangler dev reads them. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readDevVars } from "../../src/cli/worker-target.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "vane-dev-vars-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function devVars(text: string): Promise<Record<string, string>> {
  const file = join(dir, ".dev.vars");
  await writeFile(file, text);
  return readDevVars(file);
}

describe("readDevVars", () => {
  it("reads each KEY=value line, trimmed, with CRLF line ends", async () => {
    expect(await devVars("ADMIN_TOKEN = dev-admin-token \r\nFEEDBACK_SECRET=s3cr=t\r\n")).toEqual({
      ADMIN_TOKEN: "dev-admin-token",
      FEEDBACK_SECRET: "s3cr=t",
    });
  });

  it("takes the quotes off a quoted value", async () => {
    expect(await devVars(`ADMIN_TOKEN="user-17 token"\nWEBHOOK_SECRET='w'\n`)).toEqual({
      ADMIN_TOKEN: "user-17 token",
      WEBHOOK_SECRET: "w",
    });
  });

  it("skips comments and blank lines", async () => {
    expect(await devVars("# ADMIN_TOKEN=old\n\nADMIN_TOKEN=new\n")).toEqual({ ADMIN_TOKEN: "new" });
  });

  it("gives no vars for a missing file", () => {
    expect(readDevVars(join(dir, "absent.vars"))).toEqual({});
  });
});
