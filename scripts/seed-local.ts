/**
 * `npm run dev` runs this first: it copies every model version in models/ into the local R2 simulation
 * that `wrangler dev` serves from, writes each model's registry state (its lowest version active, so
 * later versions are there for promotion), and creates .dev.vars for the admin token if it is missing.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BUCKET = "vane-models";
const MODELS_DIR = "models";

function r2Put(key: string, file: string): void {
  execFileSync("npx", ["wrangler", "r2", "object", "put", `${BUCKET}/${key}`, "--file", file, "--local"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}

if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");

const scratch = mkdtempSync(join(tmpdir(), "vane-seed-"));
for (const name of readdirSync(MODELS_DIR)) {
  const versions = readdirSync(join(MODELS_DIR, name))
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .sort((a, b) => a - b);
  if (versions.length === 0) continue;
  for (const version of versions) {
    const folder = join(MODELS_DIR, name, String(version));
    for (const file of readdirSync(folder)) r2Put(`models/${name}/${version}/${file}`, join(folder, file));
    console.log(`seeded ${name}@${version}`);
  }
  const state = { name, active: versions[0], previous: [], candidate: null, updatedAt: new Date().toISOString() };
  const stateFile = join(scratch, `${name}-state.json`);
  writeFileSync(stateFile, JSON.stringify(state));
  r2Put(`registry/${name}/state.json`, stateFile);
  console.log(`registered ${name}: active version ${versions[0]}`);
}
