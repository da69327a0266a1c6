#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ and stamps the build with the newest source it
// compiled, so bin/delegate.js can tell a current dist/ (run it: fast) from a stale one (run the
// sources through tsx). The newest source is read before compiling, so an edit made while tsc
// runs leaves the build stale, never wrongly current.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { newestSource } from "../bin/build-freshness.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const newest = newestSource(root);
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const result = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
  stdio: "inherit",
});
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(join(root, "dist", ".build-stamp.json"), `${JSON.stringify({ newestSource: newest })}\n`);
