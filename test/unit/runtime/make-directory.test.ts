import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isDelegateError } from "../../../src/errors.js";
import { keepPrivate, makeDirectory } from "../../../src/runtime/make-directory.js";
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

describe("the data folder is its owner's only", () => {
  const modeOf = (path: string) => statSync(path).mode & 0o777;

  it("creates each missing level 0700 and leaves an existing folder's mode alone", () => {
    const root = mkdtempSync(join(tmpdir(), "delegate-mkdir-"));
    made.push(root);
    chmodSync(root, 0o755);
    makeDirectory(join(root, "a", "b"));
    expect(modeOf(join(root, "a"))).toBe(0o700);
    expect(modeOf(join(root, "a", "b"))).toBe(0o700);
    expect(modeOf(root)).toBe(0o755);
  });

  it("keeps the SQLite database and its -wal and -shm files 0600, tightening loose ones", async () => {
    const root = mkdtempSync(join(tmpdir(), "delegate-mkdir-"));
    made.push(root);
    const path = join(root, "data", "delegate.sqlite");
    const storage = await openStorage({ databaseUrl: path });
    expect(modeOf(join(root, "data"))).toBe(0o700);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(modeOf(file)).toBe(0o600);
    await storage.close();

    // A database an older version left readable by everyone.
    const loose = join(root, "loose.sqlite");
    writeFileSync(loose, "", { mode: 0o644 });
    chmodSync(loose, 0o644);
    const reopened = await openStorage({ databaseUrl: loose });
    await reopened.close();
    expect(modeOf(loose)).toBe(0o600);
  });

  it("keepPrivate tightens files and folders that group or others can read", () => {
    const root = mkdtempSync(join(tmpdir(), "delegate-mkdir-"));
    made.push(root);
    const file = join(root, "f");
    writeFileSync(file, "");
    chmodSync(file, 0o664);
    chmodSync(root, 0o755);
    keepPrivate(file);
    keepPrivate(root);
    keepPrivate(join(root, "missing"));
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(root)).toBe(0o700);
  });
});
