// Whether dist/ was built from the sources as they are now (see scripts/build.mjs). Plain
// JavaScript with no dependencies: it runs before anything is compiled or loaded.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** The newest modification time (ms) under src/, directories included (adds, renames, deletes). */
export function newestSource(root) {
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  visit(join(root, "src"));
  for (const file of ["tsconfig.json", "tsconfig.build.json"]) {
    try {
      newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
    } catch {
      // Not in a published package.
    }
  }
  return newest;
}

/** True when dist/ holds a build of exactly the current sources. */
export function distIsCurrent(root) {
  try {
    const stamp = JSON.parse(readFileSync(join(root, "dist", ".build-stamp.json"), "utf8"));
    return typeof stamp.newestSource === "number" && newestSource(root) <= stamp.newestSource;
  } catch {
    return false;
  }
}
