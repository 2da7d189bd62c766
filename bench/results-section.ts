/** Each bench script owns one marked section of bench/RESULTS.md and replaces only that. */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const RESULTS = join(import.meta.dirname, "RESULTS.md");

export async function writeSection(name: string, markdown: string): Promise<void> {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n${markdown.trim()}\n${end}`;
  const existing = existsSync(RESULTS) ? await readFile(RESULTS, "utf8") : "# vane benchmark results\n";
  const at = existing.indexOf(start);
  const updated =
    at >= 0
      ? existing.slice(0, at) + section + existing.slice(existing.indexOf(end, at) + end.length)
      : `${existing.trimEnd()}\n\n${section}\n`;
  await writeFile(RESULTS, updated);
}
