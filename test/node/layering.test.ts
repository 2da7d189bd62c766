/**
 * The house rules the source tree keeps: lower layers know nothing of HTTP or the CLI, the registry
 * does not reach up into promotion, and each store's layout is spelled in one module.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Each source file, as `layer/file.ts`, with its comments removed. */
const files = sourceFiles(SRC).map((path) => ({
  path: relative(SRC, path),
  code: readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, ""),
}));

const inLayer = (...layers: string[]) => files.filter((f) => layers.some((l) => f.path.startsWith(`${l}/`)));

/** The files of `from` that import from any of the `to` layers, with the import. */
function imports(from: ReturnType<typeof inLayer>, ...to: string[]): string[] {
  const pattern = new RegExp(`from "(?:\\.\\./)+(?:${to.join("|")})/[^"]*"`, "g");
  return from.flatMap((f) => (f.code.match(pattern) ?? []).map((m) => `${f.path}: ${m}`));
}

/** Where a pattern occurs outside the files allowed to hold it. */
function occurrences(pattern: RegExp, ...allowed: string[]): string[] {
  return files
    .filter((f) => !allowed.includes(f.path))
    .flatMap((f) => (f.code.match(pattern) ?? []).map((m) => `${f.path}: ${m}`));
}

describe("layers", () => {
  it("core, registry, serving, drift, promotion and toolchain import neither the API nor the CLI", () => {
    const lower = inLayer("core", "registry", "serving", "drift", "promotion", "toolchain");
    expect(imports(lower, "api", "cli")).toEqual([]);
  });

  it("the registry imports nothing from promotion", () => {
    expect(imports(inLayer("registry"), "promotion")).toEqual([]);
  });

  it("core imports from no other layer", () => {
    expect(
      imports(inLayer("core"), "api", "cli", "drift", "promotion", "registry", "serving", "toolchain"),
    ).toEqual([]);
  });
});

describe("storage layouts", () => {
  it("spells R2 keys only in registry/keys.ts", () => {
    const r2Key = /["'`](?:models\/|registry\/|drift\/(?:windows|feedback|rejections))[^"'`]*/g;
    expect(occurrences(r2Key, "registry/keys.ts")).toEqual([]);
  });

  it("spells KV keys only in registry/kv-keys.ts", () => {
    expect(occurrences(/["'`](?:state:|samples\/)[^"'`]*/g, "registry/kv-keys.ts")).toEqual([]);
  });

  it("queries D1 only in the modules that own its tables, each table in its own", () => {
    expect(occurrences(/\.prepare\(/g, "drift/predictions.ts", "drift/feedback-data.ts")).toEqual([]);
    expect(occurrences(/\bfeedback_data\b/g, "drift/feedback-data.ts")).toEqual([]);
    expect(occurrences(/\b(?:FROM|INTO|UPDATE) predictions\b/g, "drift/predictions.ts")).toEqual([]);
  });
});
