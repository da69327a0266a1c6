import { mkdirSync, mkdtempSync, renameSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { distIsCurrent, newestSource } from "../../../bin/build-freshness.js";

/** A checkout with two sources and a build stamped at `stampAt` (seconds). */
function checkout(stampAt: number | undefined): string {
  const root = mkdtempSync(join(tmpdir(), "delegate-fresh-"));
  mkdirSync(join(root, "src", "cli"), { recursive: true });
  mkdirSync(join(root, "dist"));
  for (const file of ["src/index.ts", "src/cli/main.ts"]) {
    writeFileSync(join(root, file), "export {};\n");
    utimesSync(join(root, file), 1_000, 1_000);
  }
  for (const dir of ["src/cli", "src"]) utimesSync(join(root, dir), 1_000, 1_000);
  if (stampAt !== undefined) {
    writeFileSync(join(root, "dist", ".build-stamp.json"), JSON.stringify({ newestSource: stampAt * 1000 }));
  }
  return root;
}

describe("bin/delegate.js runs dist/ only when it was built from the sources as they are", () => {
  it("is current when no source changed since the stamped build", () => {
    const root = checkout(1_000);
    expect(newestSource(root)).toBe(1_000_000);
    expect(distIsCurrent(root)).toBe(true);
  });

  it("is stale without a stamp (an interrupted or old build)", () => {
    expect(distIsCurrent(checkout(undefined))).toBe(false);
  });

  it("is stale after an edit, a new file or a rename", () => {
    const edited = checkout(1_000);
    utimesSync(join(edited, "src", "index.ts"), 2_000, 2_000);
    expect(distIsCurrent(edited)).toBe(false);

    const added = checkout(1_000);
    writeFileSync(join(added, "src", "cli", "new.ts"), "export {};\n");
    expect(distIsCurrent(added)).toBe(false);

    // A rename keeps the file's time but changes its folder's.
    const renamed = checkout(1_000);
    renameSync(join(renamed, "src", "cli", "main.ts"), join(renamed, "src", "cli", "entry.ts"));
    expect(distIsCurrent(renamed)).toBe(false);
  });
});
