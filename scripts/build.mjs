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

// The CLI as a few bundled modules: Node then reads a handful of files instead of resolving and
// compiling some 1,300, which halves the time to the first prompt. Split at dynamic imports, so
// a command loads only its own code (`--version` loads almost none, `chat` no PostgreSQL driver
// or script parser). The bundle sits two levels below the root, as dist/cli/main.js does, so the
// paths it resolves against its own URL (package.json, prompts/) stay right. Packages that load
// files beside their own code (native addons, helper scripts) or that the adapter loads on
// demand stay outside, as do those loaded through `lazyRequire` (src/lazy-require.ts).
const bundleDir = join(root, "dist", "bundle");
rmSync(bundleDir, { recursive: true, force: true });
// The one-file bundle of earlier versions, so an upgraded checkout keeps no stale copy.
rmSync(join(root, "dist", "cli", "delegate.mjs"), { force: true });
let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  console.warn("build: esbuild is not installed; the CLI runs unbundled from dist/cli/main.js");
}
if (esbuild) {
  await esbuild.build({
    entryPoints: { delegate: join(root, "dist", "cli", "main.js") },
    outdir: bundleDir,
    outExtension: { ".js": ".mjs" },
    splitting: true,
    // Less to read and parse at start; names stay, so logged stacks still say where.
    minifyWhitespace: true,
    minifySyntax: true,
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
