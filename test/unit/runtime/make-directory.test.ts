import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isDelegateError } from "../../../src/errors.js";
import { makeDirectory } from "../../../src/runtime/make-directory.js";
import { openStorage } from "../../../src/runtime/storage.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("makeDirectory", () => {
  it("creates every missing level and accepts one that exists", () => {
    const root = mkdtempSync(join(tmpdir(), "delegate-mkdir-"));
    made.push(root);
    const deep = join(root, "a", "b", "c");
    makeDirectory(deep);
    makeDirectory(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
  });

  it("fails with the filesystem's code, where Node's recursive mkdir never returns", () => {
    // mkdirSync("/proc/nonexistent/x", { recursive: true }) loops forever on Node 20.
    expect(() => makeDirectory("/proc/nonexistent/x/logs")).toThrow(
      expect.objectContaining({ code: "ENOENT" }),
    );
    const root = mkdtempSync(join(tmpdir(), "delegate-mkdir-"));
    made.push(root);
    writeFileSync(join(root, "file"), "");
    expect(() => makeDirectory(join(root, "file", "logs"))).toThrow(
      expect.objectContaining({ code: "ENOTDIR" }),
    );
  });

  it("makes an embedder's unusable database folder one CONFIG_INVALID error", async () => {
    const error = await openStorage({ databaseUrl: "/proc/nonexistent/x/delegate.sqlite" }).catch(
      (e: unknown) => e,
    );
    expect(isDelegateError(error, "CONFIG_INVALID")).toBe(true);
    expect((error as Error).message).toMatch(
      /^Cannot open the database at \/proc\/nonexistent\/x\/delegate\.sqlite: ENOENT/,
    );
  });
});
