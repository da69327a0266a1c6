#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/, bundles the CLI into one file, and stamps the build
// with the newest source it compiled, so bin/delegate.js can tell a current dist/ (run it) from
// a stale one (run the sources through tsx). The newest source is read before compiling, so an
// edit made while the build runs leaves it stale, never wrongly current.
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
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

// The CLI as one module: Node then reads one file instead of resolving and compiling some 1,300,
// which halves the time to the first prompt. Packages that load files beside their own code
// (native addons, helper scripts) or that the adapter loads on demand stay outside.
const bundle = join(root, "dist", "cli", "delegate.mjs");
rmSync(bundle, { force: true });
let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  console.warn("build: esbuild is not installed; the CLI runs unbundled from dist/cli/main.js");
}
if (esbuild) {
  await esbuild.build({
    entryPoints: [join(root, "dist", "cli", "main.js")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["better-sqlite3", "pg", "pg-native", "@scalekit-sdk/node", "open"],
    // Bundled CommonJS calls `require`; an ES module has none of its own.
    banner: {
      js: "import { createRequire as __delegateRequire } from 'node:module'; const require = __delegateRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
}
writeFileSync(join(root, "dist", ".build-stamp.json"), `${JSON.stringify({ newestSource: newest })}\n`);
