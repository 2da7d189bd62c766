#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so the toolchain and the Worker share one source tree.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
