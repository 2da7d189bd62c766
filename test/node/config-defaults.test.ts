/** The vars' built-in defaults are the values wrangler.toml ships, so an unset var changes nothing. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { config } from "../../src/config.js";

/** wrangler.toml's [vars], as the Worker's env holds them (strings). */
function shippedVars(): Record<string, string> {
  const toml = readFileSync(join(import.meta.dirname, "../../wrangler.toml"), "utf8");
  const section = toml.slice(toml.indexOf("[vars]") + "[vars]".length).split(/^\[/m)[0];
  return Object.fromEntries([...section.matchAll(/^([A-Z_]+) = "([^"]*)"$/gm)].map((m) => [m[1], m[2]]));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the vars' defaults", () => {
  it("are the values wrangler.toml ships", () => {
    const vars = shippedVars();
    expect(Object.keys(vars)).toContain("MAX_TEXT_CHARS");
    expect(config({} as Env)).toEqual(config(vars as unknown as Env));
  });

  it("take every shipped value without a warning", () => {
    const warn = vi.spyOn(console, "warn");
    config(shippedVars() as unknown as Env);
    expect(warn).not.toHaveBeenCalled();
  });
});
