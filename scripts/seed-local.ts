/**
 * `npm run dev` runs this first: it copies every model version in models/ into the local R2 simulation
 * that `wrangler dev` serves from, registers each model whose registry state is missing (its lowest
 * version active; later versions can then be promoted), and creates .dev.vars for the admin token.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { resolvePersistTo, withLocalBucket } from "../src/toolchain/local-r2.js";

const MODELS_DIR = "models";

if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");

await withLocalBucket(resolvePersistTo(undefined), async (bucket) => {
  for (const name of readdirSync(MODELS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    const modelDir = join(MODELS_DIR, name.name);
    const versions = readdirSync(modelDir)
      .filter((entry) => /^\d+$/.test(entry) && existsSync(join(modelDir, entry, "manifest.json")))
      .map(Number)
      .sort((a, b) => a - b);
    if (versions.length === 0) continue;
    for (const version of versions) {
      const folder = join(modelDir, String(version));
      // The manifest goes last, as `vane publish` does: it only appears once its bytes are there.
      const files = readdirSync(folder).sort(
        (a, b) => Number(a === "manifest.json") - Number(b === "manifest.json"),
      );
      for (const file of files) {
        await bucket.put(
          `models/${name.name}/${version}/${file}`,
          new Uint8Array(readFileSync(join(folder, file))),
        );
      }
      console.log(`seeded ${name.name}@${version}`);
    }
    const stateKey = `registry/${name.name}/state.json`;
    if (await bucket.head(stateKey)) {
      console.log(`${name.name}: registry state kept (delete .wrangler/state to start over)`);
      continue;
    }
    const state = {
      name: name.name,
      active: versions[0],
      previous: [],
      candidate: null,
      updatedAt: new Date().toISOString(),
    };
    await bucket.put(stateKey, JSON.stringify(state));
    console.log(`registered ${name.name}: version ${versions[0]} active`);
  }
});
