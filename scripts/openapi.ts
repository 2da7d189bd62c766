/**
 * `npm run openapi`: exports the OpenAPI document from the app itself (the same route that serves
 * /openapi.json) to build/openapi.json, and generates the TypeScript types of its paths
 * (src/toolchain/api-types.ts, for the CLI's Worker client and the client tests). With `--check` it
 * writes the document for the linter and fails when the committed types are not the ones it generates.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { register } from "node:module";

const DOCUMENT_FILE = "build/openapi.json";
const TYPES_FILE = "src/toolchain/api-types.ts";

// The Worker imports onnxruntime's precompiled .wasm module, which Node cannot load; the document
// never runs a model, so in Node the module is an empty stand-in. The dashboard's files are text
// modules (wrangler.toml's Text rule), read here as their text, as wrangler bundles them.
register(
  `data:text/javascript,${encodeURIComponent(`
    import { readFileSync } from "node:fs";
    import { fileURLToPath } from "node:url";
    const TEXT = ["/src/dashboard/static/", "/uplot/dist/uPlot.iife.min.js", "/uplot/dist/uPlot.min.css"];
    export async function load(url, context, nextLoad) {
      if (url.endsWith(".wasm")) return { format: "module", source: "export default null;", shortCircuit: true };
      if (TEXT.some((part) => url.includes(part))) {
        const text = readFileSync(fileURLToPath(url), "utf8");
        return { format: "module", source: "export default " + JSON.stringify(text) + ";", shortCircuit: true };
      }
      return nextLoad(url, context);
    }`)}`,
);

// Imported by a computed name so this Node script is not type-checked against the Worker's types.
const appModule = "../src/api/app.js";
const { createApp } = (await import(appModule)) as {
  createApp(): { request(url: string): Promise<Response> };
};
const { default: openapiTS, astToString } = await import("openapi-typescript");

const response = await createApp().request("http://127.0.0.1:8787/openapi.json");
if (response.status !== 200) throw new Error(`/openapi.json answered ${response.status}`);
const document = await response.text();
mkdirSync("build", { recursive: true });
writeFileSync(DOCUMENT_FILE, document);

const header = "// Generated from the OpenAPI document by `npm run openapi`; do not edit.\n";
// A field with a default may be left out of a request: it is optional in the types too.
const types = header + astToString(await openapiTS(JSON.parse(document), { defaultNonNullable: false }));
if (process.argv.includes("--check")) {
  if (readFileSync(TYPES_FILE, "utf8") !== types) {
    console.error(`${TYPES_FILE} is out of date with the API: run npm run openapi`);
    process.exit(1);
  }
} else {
  writeFileSync(TYPES_FILE, types);
}
console.log(`wrote ${DOCUMENT_FILE}${process.argv.includes("--check") ? "" : ` and ${TYPES_FILE}`}`);
