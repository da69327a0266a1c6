#!/usr/bin/env node
// A published package ships only dist/. In a checkout, dist/ runs when it was built from the
// sources as they are (npm install builds it; see scripts/build.mjs): starting takes a fraction
// of compiling at start. Otherwise the sources run through tsx, so an edit is never hidden by a
// stale build. The bundled CLI (a few files) starts fastest; the compiled modules are the fallback.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { distIsCurrent } from "./build-freshness.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "src", "cli", "main.ts");
if (existsSync(source) && !distIsCurrent(root)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(source).href);
} else {
  const bundle = join(root, "dist", "bundle", "delegate.mjs");
  const entry = existsSync(bundle) ? bundle : join(root, "dist", "cli", "main.js");
  await import(pathToFileURL(entry).href);
}
